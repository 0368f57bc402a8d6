/**
 * `sigstoreSigned`, parsed as c/image's `prSigstoreSigned.UnmarshalJSON` + `newPRSigstoreSigned`, with its
 * `fulcio` and `pki` sub-objects. Message texts keep upstream's inconsistent casing (`rekorPublickeyPath`):
 * users grep for them.
 */
import {
  decodeBytes,
  decodeBytesSlice,
  decodeString,
  decodeStringSlice,
  fail,
  paranoidObject,
} from '../go-decode.js';
import type { JsonNode } from '../../go/encoding/json/scanner.js';
import type { FulcioOptions, PKIOptions, PolicyRequirement } from '../types.js';
import { DEFAULT_SIGNED_IDENTITY, parseReferenceMatch } from './reference-match.js';
import { locationOf } from './simple.js';

export function parseSigstoreSigned(node: JsonNode): PolicyRequirement {
  let keyPath = '';
  let keyPaths: string[] | undefined;
  let keyData: Uint8Array | undefined;
  let keyDatas: Uint8Array[] | undefined;
  let fulcio: FulcioOptions | undefined;
  let pki: PKIOptions | undefined;
  let rekorPublicKeyPath = '';
  let rekorPublicKeyPaths: string[] | undefined;
  let rekorPublicKeyData: Uint8Array | undefined;
  let rekorPublicKeyDatas: Uint8Array[] | undefined;
  let signedIdentity: JsonNode | undefined;
  /** Nodes of the keys that were present, for the post-read "contains no entries" checks. */
  const got = new Map<string, JsonNode>();

  paranoidObject(node, (key) => {
    const remember =
      (decode: (v: JsonNode) => void) =>
      (v: JsonNode): void => {
        got.set(key, v);
        decode(v);
      };
    switch (key) {
      case 'type':
        return (v) => void decodeString(v, 'signature.prTypeIdentifier');
      case 'keyPath':
        return remember((v) => (keyPath = decodeString(v)));
      case 'keyPaths':
        return remember((v) => (keyPaths = decodeStringSlice(v)));
      case 'keyData':
        return remember((v) => (keyData = decodeBytes(v)));
      case 'keyDatas':
        return remember((v) => (keyDatas = decodeBytesSlice(v)));
      case 'fulcio':
        return remember((v) => (fulcio = parseFulcio(v)));
      case 'rekorPublicKeyPath':
        return remember((v) => (rekorPublicKeyPath = decodeString(v)));
      case 'rekorPublicKeyPaths':
        return remember((v) => (rekorPublicKeyPaths = decodeStringSlice(v)));
      case 'rekorPublicKeyData':
        return remember((v) => (rekorPublicKeyData = decodeBytes(v)));
      case 'rekorPublicKeyDatas':
        return remember((v) => (rekorPublicKeyDatas = decodeBytesSlice(v)));
      case 'pki':
        return remember((v) => (pki = parsePKI(v)));
      case 'signedIdentity':
        return (v) => {
          signedIdentity = v;
        };
      default:
        return undefined;
    }
  });

  const identity = signedIdentity === undefined ? DEFAULT_SIGNED_IDENTITY : parseReferenceMatch(signedIdentity);

  // Upstream applies one option per present key in this fixed order; only the list options can fail.
  const emptyList: [string, string, () => unknown[] | undefined][] = [
    ['keyPaths', '"keyPaths" contains no entries', () => keyPaths],
    ['keyDatas', '"keyDatas" contains no entries', () => keyDatas],
    ['rekorPublicKeyPaths', '"rekorPublickeyPaths" contains no entries', () => rekorPublicKeyPaths],
    ['rekorPublicKeyDatas', '"rekorPublickeyDatas" contains no entries', () => rekorPublicKeyDatas],
  ];
  for (const [key, message, value] of emptyList) {
    const at = got.get(key);
    if (at !== undefined && (value()?.length ?? 0) === 0) fail(message, at.loc);
  }

  const keySources =
    Number(keyPath !== '') +
    Number(keyPaths !== undefined) +
    Number(keyData !== undefined) +
    Number(keyDatas !== undefined) +
    Number(fulcio !== undefined) +
    Number(pki !== undefined);
  if (keySources !== 1) {
    fail('exactly one of keyPath, keyPaths, keyData, keyDatas, fulcio, and pki must be specified', node.loc);
  }
  const rekorSources =
    Number(rekorPublicKeyPath !== '') +
    Number(rekorPublicKeyPaths !== undefined) +
    Number(rekorPublicKeyData !== undefined) +
    Number(rekorPublicKeyDatas !== undefined);
  if (rekorSources > 1) {
    fail(
      'at most one of rekorPublickeyPath, rekorPublicKeyPaths, rekorPublickeyData and rekorPublicKeyDatas can be used simultaneously',
      node.loc,
    );
  }
  // Fulcio certificates are short-lived: without a Rekor inclusion proof there is no trusted signing time.
  if (fulcio !== undefined && rekorSources === 0) {
    fail(
      'At least one of rekorPublickeyPath, rekorPublicKeyPaths, rekorPublickeyData and rekorPublicKeyDatas must be specified if fulcio is used',
      node.loc,
    );
  }
  if (pki !== undefined && rekorSources > 0) {
    fail(
      'rekorPublickeyPath, rekorPublicKeyPaths, rekorPublickeyData and rekorPublicKeyDatas are not supported for pki',
      node.loc,
    );
  }

  return {
    type: 'sigstoreSigned',
    ...(keyPath !== '' ? { keyPath } : {}),
    ...(keyPaths !== undefined ? { keyPaths } : {}),
    ...(keyData !== undefined ? { keyData } : {}),
    ...(keyDatas !== undefined ? { keyDatas } : {}),
    ...(fulcio !== undefined ? { fulcio } : {}),
    ...(pki !== undefined ? { pki } : {}),
    ...(rekorPublicKeyPath !== '' ? { rekorPublicKeyPath } : {}),
    ...(rekorPublicKeyPaths !== undefined ? { rekorPublicKeyPaths } : {}),
    ...(rekorPublicKeyData !== undefined ? { rekorPublicKeyData } : {}),
    ...(rekorPublicKeyDatas !== undefined ? { rekorPublicKeyDatas } : {}),
    signedIdentity: identity,
    location: locationOf(node),
  };
}

/** `fulcio`: `null` is "JSON object expected, got <nil>" (upstream decodes into a struct with UnmarshalJSON). */
function parseFulcio(node: JsonNode): FulcioOptions {
  let caPath = '';
  let caData: Uint8Array | undefined;
  let oidcIssuer = '';
  let subjectEmail = '';
  paranoidObject(node, (key) => {
    switch (key) {
      case 'caPath':
        return (v) => (caPath = decodeString(v));
      case 'caData':
        return (v) => (caData = decodeBytes(v));
      case 'oidcIssuer':
        return (v) => (oidcIssuer = decodeString(v));
      case 'subjectEmail':
        return (v) => (subjectEmail = decodeString(v));
      default:
        return undefined;
    }
  });
  if (caPath !== '' && caData !== undefined) fail('caPath and caData cannot be used simultaneously', node.loc);
  if (caPath === '' && caData === undefined) fail('At least one of caPath and caData must be specified', node.loc);
  if (oidcIssuer === '') fail('oidcIssuer not specified', node.loc);
  if (subjectEmail === '') fail('subjectEmail not specified', node.loc);
  return { ...(caPath !== '' ? { caPath } : {}), ...(caData !== undefined ? { caData } : {}), oidcIssuer, subjectEmail };
}

function parsePKI(node: JsonNode): PKIOptions {
  let caRootsPath = '';
  let caRootsData: Uint8Array | undefined;
  let caIntermediatesPath = '';
  let caIntermediatesData: Uint8Array | undefined;
  let subjectEmail = '';
  let subjectHostname = '';
  paranoidObject(node, (key) => {
    switch (key) {
      case 'caRootsPath':
        return (v) => (caRootsPath = decodeString(v));
      case 'caRootsData':
        return (v) => (caRootsData = decodeBytes(v));
      case 'caIntermediatesPath':
        return (v) => (caIntermediatesPath = decodeString(v));
      case 'caIntermediatesData':
        return (v) => (caIntermediatesData = decodeBytes(v));
      case 'subjectEmail':
        return (v) => (subjectEmail = decodeString(v));
      case 'subjectHostname':
        return (v) => (subjectHostname = decodeString(v));
      default:
        return undefined;
    }
  });
  if (caRootsPath !== '' && caRootsData !== undefined) {
    fail('caRootsPath and caRootsData cannot be used simultaneously', node.loc);
  }
  if (caRootsPath === '' && caRootsData === undefined) {
    fail('At least one of caRootsPath and caRootsData must be specified', node.loc);
  }
  if (caIntermediatesPath !== '' && caIntermediatesData !== undefined) {
    fail('caIntermediatesPath and caIntermediatesData cannot be used simultaneously', node.loc);
  }
  if (subjectEmail === '' && subjectHostname === '') {
    fail('At least one of subjectEmail, subjectHostname must be specified', node.loc);
  }
  return {
    ...(caRootsPath !== '' ? { caRootsPath } : {}),
    ...(caRootsData !== undefined ? { caRootsData } : {}),
    ...(caIntermediatesPath !== '' ? { caIntermediatesPath } : {}),
    ...(caIntermediatesData !== undefined ? { caIntermediatesData } : {}),
    ...(subjectEmail !== '' ? { subjectEmail } : {}),
    ...(subjectHostname !== '' ? { subjectHostname } : {}),
  };
}
