/**
 * Rekor SET ("bundle" annotation) verification, c/image `internal.VerifyRekorSET`, in its exact order.
 *
 * What the SET proves, and what it does not: a Rekor key signed a statement "this hashedrekord entry was logged at
 * integratedTime". We check that statement and then that the logged entry is *this* signature: same public key or
 * certificate (DER-equal), same signature bytes, same payload hash. Like c/image we do not check inclusion proofs,
 * log IDs or checkpoints — the SET is trusted as a signed timestamp plus "it was logged". The time matters for
 * Fulcio: the short-lived certificate is validated at that instant, not now.
 *
 * All failures are InvalidSignatureError (the signature is bad, not the configuration).
 */
import { createHash } from 'node:crypto';
import { InvalidSignatureError } from '../../errors.js';
import { goQuoteBytes } from '../../go/fmt.js';
import { goHexDecode } from '../../go/encoding/hex.js';
import { goBase64Decode } from '../../go/encoding/base64.js';
import { canonicalize } from './canonical-json.js';
import {
  GoJSONError,
  LenientStruct,
  decodeBytes,
  decodeInt64,
  decodeLenient,
  decodeString,
  paranoidObjectExactFields,
  parseGoJSON,
  type GoJsonValue,
  type LenientSchema,
  type LenientValue,
} from '../../go/encoding/json/decode.js';
import { verifyECDSAASN1Digest, type PublicKey } from '../../go/crypto/keys.js';
import { pemDecode } from '../../go/encoding/pem.js';

export const REKOR_HASHEDREKORD_V001_API_VERSION = '0.0.1';

export interface RekorSETResult {
  /** Seconds since the epoch (Rekor's integratedTime). */
  readonly integratedTime: number;
  readonly logIndex: number;
  readonly logID: string;
}

function ise(msg: string): InvalidSignatureError {
  return new InvalidSignatureError(msg);
}

/** Runs a Go json.Unmarshal-like step; JSON failures become ISE with `prefix` + Go's text. */
function jsonStep<T>(prefix: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof GoJSONError) throw ise(prefix + e.message);
    throw e;
  }
}

const S_PTR_STRING: LenientSchema = { t: 'ptrstring' };
const SPEC_SCHEMA: LenientSchema = {
  t: 'struct',
  goName: 'RekorHashedrekordV001Schema',
  goType: 'internal.RekorHashedrekordV001Schema',
  fields: {
    data: {
      t: 'struct',
      goName: 'RekorHashedrekordV001SchemaData',
      goType: 'internal.RekorHashedrekordV001SchemaData',
      fields: {
        hash: {
          t: 'struct',
          goName: 'RekorHashedrekordV001SchemaDataHash',
          goType: 'internal.RekorHashedrekordV001SchemaDataHash',
          fields: { algorithm: S_PTR_STRING, value: S_PTR_STRING },
        },
      },
    },
    signature: {
      t: 'struct',
      goName: 'RekorHashedrekordV001SchemaSignature',
      goType: 'internal.RekorHashedrekordV001SchemaSignature',
      fields: {
        content: { t: 'bytes' },
        publicKey: {
          t: 'struct',
          goName: 'RekorHashedrekordV001SchemaSignaturePublicKey',
          goType: 'internal.RekorHashedrekordV001SchemaSignaturePublicKey',
          fields: { content: { t: 'bytes' } },
        },
      },
    },
  },
};
// The anonymous structs of RekorHashedrekord.UnmarshalJSON (Go names them "" in field errors).
const BASE_SCHEMA: LenientSchema = { t: 'struct', goName: '', goType: 'struct { Kind string "json:\\"kind\\"" }', fields: { kind: { t: 'string' } } };
const DATA_SCHEMA: LenientSchema = {
  t: 'struct',
  goName: '',
  goType: 'struct { APIVersion *string "json:\\"apiVersion\\""; Spec json.RawMessage "json:\\"spec\\"" }',
  fields: { apiVersion: S_PTR_STRING, spec: { t: 'raw' } },
};

const asObj = (v: LenientValue): { [k: string]: LenientValue } | undefined => (v instanceof LenientStruct ? v.fields : undefined);

/**
 * Verifies `setText` under any of `rekorKeys` and matches it against the signature; returns the integrated time.
 * `keyOrCertPEM` is the public key (re-marshaled PEM) or the certificate annotation.
 */
export function verifyRekorSET(
  rekorKeys: readonly PublicKey[],
  setText: string,
  keyOrCertPEM: Uint8Array,
  base64Signature: string,
  payload: Uint8Array,
): RekorSETResult {
  // == Parse the SET (paranoid: exactly SignedEntryTimestamp and Payload).
  let setSignature: Uint8Array | undefined;
  let setPayload: GoJsonValue = { kind: 'null' };
  jsonStep('', () => {
    const doc = parseGoJSON(setText);
    paranoidObjectExactFields(doc, {
      SignedEntryTimestamp: (v) => {
        setSignature = decodeBytes(v);
      },
      Payload: (v) => {
        setPayload = v;
      },
    });
  });

  // == Verify the SET signature over the canonical form of the payload as delivered.
  let canonical: string;
  try {
    canonical = canonicalize(setPayload);
  } catch (e) {
    throw ise(`canonicalizing Rekor SET JSON: ${(e as Error).message}`);
  }
  const canonicalBytes = Buffer.from(canonical, 'utf8');
  const sig = setSignature ?? new Uint8Array();
  if (!rekorKeys.some((k) => verifyECDSAASN1Digest(k, canonicalBytes, sig))) {
    throw ise('cryptographic signature verification of Rekor SET failed');
  }

  // == Parse the *canonical* bytes (what was verified), strictly.
  let body: Uint8Array | undefined;
  let integratedTime = 0n;
  let logIndex = 0n;
  let logID = '';
  jsonStep('parsing Rekor SET payload: ', () => {
    paranoidObjectExactFields(parseGoJSON(canonicalBytes), {
      body: (v) => {
        body = decodeBytes(v);
      },
      integratedTime: (v) => {
        integratedTime = decodeInt64(v);
      },
      logIndex: (v) => {
        logIndex = decodeInt64(v);
      },
      logID: (v) => {
        logID = decodeString(v);
      },
    });
  });

  // == The logged entry: a hashedrekord 0.0.1, decoded leniently as c/image's Go structs are.
  const { apiVersion, spec } = jsonStep('decoding the body of a Rekor SET payload: ', () => {
    const doc = parseGoJSON(body ?? new Uint8Array());
    const base = decodeLenient(doc, BASE_SCHEMA);
    if (base.error) throw base.error;
    const kind = (asObj(base.value)?.['kind'] as string | undefined) ?? '';
    if (kind !== 'hashedrekord') throw new GoJSONError(`invalid kind value: ${goQuoteBytes(Buffer.from(kind, 'utf8'))}`);
    const data = decodeLenient(doc, DATA_SCHEMA);
    if (data.error) throw data.error;
    const o = asObj(data.value);
    return { apiVersion: o?.['apiVersion'] as string | undefined, spec: o?.['spec'] as GoJsonValue | undefined };
  });
  if (apiVersion === undefined) throw ise('missing Rekor SET Payload API version');
  if (apiVersion !== REKOR_HASHEDREKORD_V001_API_VERSION) {
    // Upstream prints the *string pointer (%#v of a pointer); we keep the shape and show the value.
    throw ise(`unsupported Rekor SET Payload hashedrekord version (*string)(${goQuoteBytes(Buffer.from(apiVersion, 'utf8'))})`);
  }
  const schema = jsonStep('decoding hashedrekod spec: ', () => {
    if (!spec) throw new GoJSONError('unexpected end of JSON input');
    const r = decodeLenient(spec, SPEC_SCHEMA);
    if (r.error) throw r.error;
    return asObj(r.value);
  });

  // == Match the key or certificate.
  const signature = asObj(schema?.['signature']);
  if (!signature) throw ise('Missing "signature" field in hashedrekord');
  const publicKey = asObj(signature['publicKey']);
  if (!publicKey) throw ise('Missing "signature.publicKey" field in hashedrekord');
  const rekorPEM = pemDecode((publicKey['content'] as Uint8Array | undefined) ?? new Uint8Array());
  if (!rekorPEM.block) throw ise('publicKey in Rekor SET is not in PEM format');
  if (rekorPEM.rest.length !== 0) throw ise('publicKey in Rekor SET has trailing data');
  const ourPEM = pemDecode(keyOrCertPEM);
  if (!ourPEM.block) throw ise('public key or cert to be matched against publicKey in Rekor SET is not in PEM format');
  if (ourPEM.rest.length !== 0) throw ise('public key or cert to be matched against publicKey in Rekor SET has trailing data');
  // DER equality only: PEM type and headers are deliberately ignored (as upstream).
  if (!Buffer.from(rekorPEM.block.bytes).equals(Buffer.from(ourPEM.block.bytes))) {
    throw ise('publicKey in Rekor SET does not match');
  }

  // == Match the signature bytes.
  let sigBytes: Uint8Array;
  try {
    sigBytes = goBase64Decode(base64Signature);
  } catch (e) {
    throw ise(`decoding signature base64: ${(e as Error).message}`);
  }
  const loggedSig = (signature['content'] as Uint8Array | undefined) ?? new Uint8Array();
  if (!Buffer.from(loggedSig).equals(Buffer.from(sigBytes))) {
    throw ise(`signature in Rekor SET does not match: ${goQuoteBytes(loggedSig)} vs. ${goQuoteBytes(sigBytes)}`);
  }

  // == Match the payload hash.
  const data = asObj(schema?.['data']);
  if (!data) throw ise('Missing "data" field in hashedrekord');
  const hash = asObj(data['hash']);
  if (!hash) throw ise('Missing "data.hash" field in hashedrekord');
  const algorithm = hash['algorithm'] as string | undefined;
  if (algorithm === undefined) throw ise('Missing "data.hash.algorithm" field in hashedrekord');
  if (algorithm !== 'sha256') throw ise(`Unexpected "data.hash.algorithm" value ${goQuoteBytes(Buffer.from(algorithm, 'utf8'))}`);
  const value = hash['value'] as string | undefined;
  if (value === undefined) throw ise('Missing "data.hash.value" field in hashedrekord');
  let logged: Uint8Array;
  try {
    logged = goHexDecode(value);
  } catch (e) {
    throw ise(`Invalid "data.hash.value" field in hashedrekord: ${(e as Error).message}`);
  }
  const actual = createHash('sha256').update(payload).digest();
  if (!actual.equals(Buffer.from(logged))) throw ise('payload in Rekor SET does not match');

  return { integratedTime: Number(integratedTime), logIndex: Number(logIndex), logID };
}
