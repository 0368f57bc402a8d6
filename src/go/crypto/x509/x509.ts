/**
 * X.509 as Go's `crypto/x509` does it for c/image: `ParseCertificate` (which extensions are "handled", SAN
 * contents), `Certificate.Verify` (path building to a root pool, validity of *every* path element at one instant,
 * basic constraints, path length, name constraints, the Extended Key Usage walk) and `VerifyHostname`.
 *
 * Why not OpenSSL's verifier (or node's `X509Certificate.checkIssued`)? The decisions differ in places that matter
 * for "would CRI-O accept this": Go trusts any certificate in the roots set without requiring it to be
 * self-signed, checks the Fulcio leaf at the Rekor time rather than now, ignores key-usage bits except certSign,
 * tolerates a critical SAN with only otherName entries in Fulcio mode only, and words its errors its own way
 * (`x509: certificate signed by unknown authority (possibly because of …)`). node:crypto is used only for the
 * cryptography (signature checks) and key objects.
 */
import { verify as nodeVerify, constants } from 'node:crypto';
import { DERError, TAG, children, contents, decodeOID, decodeTime, expect, isValidInteger, parseOne, readTLV, whole, type TLV } from '../../encoding/asn1.js';
import { goQuote } from '../../fmt.js';
import { KeyParseError, parsePKIXPublicKey, type PublicKey } from '../keys.js';
import { pemDecode, trimSpace } from '../../encoding/pem.js';

export const OID = {
  SAN: '2.5.29.17',
  KEY_USAGE: '2.5.29.15',
  BASIC_CONSTRAINTS: '2.5.29.19',
  NAME_CONSTRAINTS: '2.5.29.30',
  EXT_KEY_USAGE: '2.5.29.37',
  SKI: '2.5.29.14',
  AKI: '2.5.29.35',
  EKU_CODE_SIGNING: '1.3.6.1.5.5.7.3.3',
  EKU_ANY: '2.5.29.37.0',
  FULCIO_ISSUER_V1: '1.3.6.1.4.1.57264.1.1',
  FULCIO_ISSUER_V2: '1.3.6.1.4.1.57264.1.8',
} as const;

/** Extensions Go's parser understands; any other critical extension makes Verify fail. */
const HANDLED = new Set([
  '2.5.29.15', '2.5.29.19', '2.5.29.17', '2.5.29.30', '2.5.29.31', '2.5.29.35', '2.5.29.14', '2.5.29.37',
  '2.5.29.32', '2.5.29.33', '2.5.29.36', '2.5.29.54', '1.3.6.1.5.5.7.1.1',
]);

const KEY_USAGE_CERT_SIGN = 1 << 5;

export interface Extension {
  readonly oid: string;
  readonly critical: boolean;
  readonly value: Uint8Array;
}

interface NameConstraints {
  permittedDNS: string[];
  excludedDNS: string[];
  permittedEmail: string[];
  excludedEmail: string[];
  permittedURI: string[];
  excludedURI: string[];
  permittedIP: { ip: Uint8Array; mask: Uint8Array }[];
  excludedIP: { ip: Uint8Array; mask: Uint8Array }[];
}

export interface Certificate {
  readonly raw: Uint8Array;
  readonly tbs: Uint8Array;
  readonly signatureAlgorithm: string;
  readonly signature: Uint8Array;
  readonly version: number;
  readonly serial: bigint;
  readonly rawIssuer: Uint8Array;
  readonly rawSubject: Uint8Array;
  readonly subjectCommonName: string;
  readonly subjectOrganization: readonly string[];
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly spki: Uint8Array;
  /** Undefined for algorithms Go parses as "unknown" (the certificate then cannot sign anything). */
  readonly publicKey?: PublicKey;
  readonly extensions: readonly Extension[];
  readonly basicConstraintsValid: boolean;
  readonly isCA: boolean;
  /** -1 when absent. */
  readonly maxPathLen: number;
  readonly keyUsage: number;
  readonly extKeyUsage: readonly string[];
  readonly subjectKeyId: Uint8Array;
  readonly authorityKeyId: Uint8Array;
  readonly dnsNames: readonly string[];
  readonly emailAddresses: readonly string[];
  readonly ipAddresses: readonly Uint8Array[];
  readonly uris: readonly string[];
  readonly sanExtension?: Extension;
  unhandledCriticalExtensions: string[];
  readonly nameConstraints?: NameConstraints;
}

export class X509Error extends Error {}

function isIA5(b: Uint8Array): boolean {
  return b.every((c) => c < 0x80);
}

function parseName(t: TLV): { cn: string; o: string[] } {
  let cn = '';
  const o: string[] = [];
  for (const rdn of children(expect(t, TAG.SEQUENCE, 'name'))) {
    for (const atv of children(expect(rdn, TAG.SET, 'rdn'))) {
      const [oid, val] = children(expect(atv, TAG.SEQUENCE, 'atv'));
      if (!oid || !val) throw new DERError('atv');
      const id = decodeOID(oid);
      const text = val.tag === TAG.BMPString ? Buffer.from(contents(val)).swap16().toString('utf16le') : Buffer.from(contents(val)).toString('utf8');
      if (id === '2.5.4.3') cn = text;
      if (id === '2.5.4.10') o.push(text);
    }
  }
  return { cn, o };
}

function parseGeneralNames(value: Uint8Array, into: { dns: string[]; email: string[]; ip: Uint8Array[]; uri: string[] }): void {
  const seq = expect(parseOne(value), TAG.SEQUENCE, 'san');
  for (const gn of children(seq)) {
    const b = contents(gn);
    switch (gn.tag) {
      case 0x81:
        if (!isIA5(b)) throw new X509Error('x509: SAN rfc822Name is malformed');
        into.email.push(Buffer.from(b).toString('latin1'));
        break;
      case 0x82:
        if (!isIA5(b)) throw new X509Error('x509: SAN dNSName is malformed');
        into.dns.push(Buffer.from(b).toString('latin1'));
        break;
      case 0x86: {
        if (!isIA5(b)) throw new X509Error('x509: SAN uniformResourceIdentifier is malformed');
        into.uri.push(Buffer.from(b).toString('latin1'));
        break;
      }
      case 0x87:
        if (b.length !== 4 && b.length !== 16) throw new X509Error(`x509: cannot parse IP address of length ${b.length}`);
        into.ip.push(new Uint8Array(b));
        break;
      default:
        break; // otherName, directoryName, …: ignored by Go (and by us).
    }
  }
}

function parseNameConstraints(value: Uint8Array): { nc: NameConstraints; unhandled: boolean } {
  const nc: NameConstraints = {
    permittedDNS: [], excludedDNS: [], permittedEmail: [], excludedEmail: [],
    permittedURI: [], excludedURI: [], permittedIP: [], excludedIP: [],
  };
  let unhandled = false;
  const seq = expect(parseOne(value), TAG.SEQUENCE, 'nameConstraints');
  for (const subtrees of children(seq)) {
    const permitted = subtrees.tag === 0xa0;
    if (!permitted && subtrees.tag !== 0xa1) throw new X509Error('x509: invalid NameConstraints extension');
    for (const subtree of children(subtrees)) {
      const [base] = children(expect(subtree, TAG.SEQUENCE, 'subtree'));
      if (!base) throw new X509Error('x509: invalid NameConstraints extension');
      const b = contents(base);
      const text = Buffer.from(b).toString('latin1');
      switch (base.tag) {
        case 0x82:
          (permitted ? nc.permittedDNS : nc.excludedDNS).push(text);
          break;
        case 0x81:
          (permitted ? nc.permittedEmail : nc.excludedEmail).push(text);
          break;
        case 0x86:
          (permitted ? nc.permittedURI : nc.excludedURI).push(text);
          break;
        case 0x87: {
          if (b.length !== 8 && b.length !== 32) throw new X509Error(`x509: IP constraint contained value of length ${b.length}`);
          const half = b.length / 2;
          (permitted ? nc.permittedIP : nc.excludedIP).push({ ip: b.subarray(0, half), mask: b.subarray(half) });
          break;
        }
        default:
          unhandled = true;
      }
    }
  }
  return { nc, unhandled };
}

/** Go x509.ParseCertificate (the parts c/image's decisions depend on). */
export function parseCertificate(der: Uint8Array): Certificate {
  try {
    return parseCertificateInner(der);
  } catch (e) {
    if (e instanceof X509Error) throw e;
    if (e instanceof KeyParseError) throw new X509Error(e.message);
    throw new X509Error('x509: malformed certificate');
  }
}

function parseCertificateInner(der: Uint8Array): Certificate {
  const raw = new Uint8Array(der);
  const top = expect(parseOne(raw), TAG.SEQUENCE, 'certificate');
  const [tbsT, sigAlgT, sigT] = children(top);
  if (!tbsT || !sigAlgT || !sigT) throw new DERError('certificate');
  expect(tbsT, TAG.SEQUENCE, 'tbs');
  const signatureAlgorithm = decodeOID(children(expect(sigAlgT, TAG.SEQUENCE, 'sigalg'))[0]!);
  const sigBits = contents(expect(sigT, TAG.BIT_STRING, 'signature'));
  if (sigBits.length === 0 || sigBits[0] !== 0) throw new DERError('signature bits');
  const parts = children(tbsT);
  let i = 0;
  let version = 1;
  if (parts[i]?.tag === 0xa0) {
    const v = contents(expect(parseOne(contents(parts[i]!)), TAG.INTEGER, 'version'));
    version = Number(v[v.length - 1]) + 1;
    if (version < 1 || version > 3 || v.length !== 1) throw new X509Error('x509: invalid version');
    i++;
  }
  const serialT = expect(parts[i++]!, TAG.INTEGER, 'serial');
  if (!isValidInteger(contents(serialT))) throw new X509Error('x509: malformed serial number');
  const serialHex = Buffer.from(contents(serialT)).toString('hex');
  let serial = BigInt('0x' + serialHex);
  if (contents(serialT)[0]! & 0x80) serial -= 1n << BigInt(serialHex.length * 4);
  i++; // signature AlgorithmIdentifier inside the TBS
  const issuerT = expect(parts[i++]!, TAG.SEQUENCE, 'issuer');
  const validity = children(expect(parts[i++]!, TAG.SEQUENCE, 'validity'));
  const subjectT = expect(parts[i++]!, TAG.SEQUENCE, 'subject');
  const spkiT = expect(parts[i++]!, TAG.SEQUENCE, 'spki');
  if (validity.length !== 2) throw new DERError('validity');
  const notBefore = decodeTime(validity[0]!);
  const notAfter = decodeTime(validity[1]!);
  const extensions: Extension[] = [];
  for (; i < parts.length; i++) {
    const p = parts[i]!;
    if (p.tag === 0x81 || p.tag === 0x82) continue; // unique identifiers
    if (p.tag !== 0xa3) throw new DERError('unexpected TBS element');
    if (version !== 3) throw new X509Error('x509: malformed extensions');
    for (const ext of children(expect(parseOne(contents(p)), TAG.SEQUENCE, 'extensions'))) {
      const e = children(expect(ext, TAG.SEQUENCE, 'extension'));
      const oid = decodeOID(expect(e[0]!, TAG.OID, 'extnID'));
      let critical = false;
      let k = 1;
      if (e[k]?.tag === TAG.BOOLEAN) {
        critical = contents(e[k]!)[0] === 0xff;
        k++;
      }
      const value = contents(expect(e[k]!, TAG.OCTET_STRING, 'extnValue'));
      if (extensions.some((x) => x.oid === oid)) throw new X509Error('x509: certificate contains duplicate extensions');
      extensions.push({ oid, critical, value: new Uint8Array(value) });
    }
  }
  let publicKey: PublicKey | undefined;
  try {
    publicKey = parsePKIXPublicKey(whole(spkiT));
  } catch (e) {
    if (!(e instanceof KeyParseError) || e.message !== 'x509: unknown public key algorithm') throw e;
  }
  const { cn, o } = parseName(subjectT);
  let basicConstraintsValid = false;
  let isCA = false;
  let maxPathLen = -1;
  let keyUsage = 0;
  const extKeyUsage: string[] = [];
  let subjectKeyId: Uint8Array = new Uint8Array();
  let authorityKeyId: Uint8Array = new Uint8Array();
  const names = { dns: [] as string[], email: [] as string[], ip: [] as Uint8Array[], uri: [] as string[] };
  let sanExtension: Extension | undefined;
  let nameConstraints: NameConstraints | undefined;
  const unhandledCriticalExtensions: string[] = [];
  for (const ext of extensions) {
    let unhandled = !HANDLED.has(ext.oid);
    switch (ext.oid) {
      case OID.KEY_USAGE: {
        const b = contents(expect(parseOne(ext.value), TAG.BIT_STRING, 'keyUsage'));
        for (let bit = 0; bit < 9; bit++) {
          const byte = b[1 + (bit >> 3)];
          if (byte !== undefined && byte & (0x80 >> (bit & 7))) keyUsage |= 1 << bit;
        }
        break;
      }
      case OID.BASIC_CONSTRAINTS: {
        const c = children(expect(parseOne(ext.value), TAG.SEQUENCE, 'basicConstraints'));
        basicConstraintsValid = true;
        let k = 0;
        if (c[k]?.tag === TAG.BOOLEAN) {
          isCA = contents(c[k]!)[0] === 0xff;
          k++;
        }
        if (c[k]?.tag === TAG.INTEGER) {
          const v = contents(c[k]!);
          maxPathLen = Number(BigInt('0x' + Buffer.from(v).toString('hex')));
        }
        break;
      }
      case OID.SAN:
        parseGeneralNames(ext.value, names);
        sanExtension = ext;
        // Go: a SAN with no DNS/email/IP/URI entries is not "handled" (only otherName, say).
        if (names.dns.length + names.email.length + names.ip.length + names.uri.length === 0) unhandled = true;
        break;
      case OID.EXT_KEY_USAGE:
        for (const id of children(expect(parseOne(ext.value), TAG.SEQUENCE, 'eku'))) extKeyUsage.push(decodeOID(id));
        break;
      case OID.SKI:
        subjectKeyId = new Uint8Array(contents(expect(parseOne(ext.value), TAG.OCTET_STRING, 'ski')));
        break;
      case OID.AKI: {
        const a = children(expect(parseOne(ext.value), TAG.SEQUENCE, 'aki'));
        const kid = a.find((x) => x.tag === 0x80);
        if (kid) authorityKeyId = new Uint8Array(contents(kid));
        break;
      }
      case OID.NAME_CONSTRAINTS: {
        const r = parseNameConstraints(ext.value);
        nameConstraints = r.nc;
        unhandled = r.unhandled;
        break;
      }
    }
    if (ext.critical && unhandled) unhandledCriticalExtensions.push(ext.oid);
  }
  return {
    raw,
    tbs: whole(tbsT),
    signatureAlgorithm,
    signature: sigBits.subarray(1),
    version,
    serial,
    rawIssuer: whole(issuerT),
    rawSubject: whole(subjectT),
    subjectCommonName: cn,
    subjectOrganization: o,
    notBefore,
    notAfter,
    spki: whole(spkiT),
    ...(publicKey ? { publicKey } : {}),
    extensions,
    basicConstraintsValid,
    isCA,
    maxPathLen,
    keyUsage,
    extKeyUsage,
    subjectKeyId,
    authorityKeyId,
    dnsNames: names.dns,
    emailAddresses: names.email,
    ipAddresses: names.ip,
    uris: names.uri,
    ...(sanExtension ? { sanExtension } : {}),
    unhandledCriticalExtensions,
    ...(nameConstraints ? { nameConstraints } : {}),
  };
}

/** sigstore cryptoutils.UnmarshalCertificatesFromPEM: trimmed input, every block must be a certificate. */
export function unmarshalCertificatesFromPEM(pem: Uint8Array): Certificate[] {
  const out: Certificate[] = [];
  let remaining: Uint8Array = trimSpace(pem);
  while (remaining.length > 0) {
    const { block, rest } = pemDecode(remaining);
    if (!block) throw new X509Error('error during PEM decoding');
    out.push(parseCertificate(block.bytes));
    remaining = rest;
  }
  return out;
}

/** Go CertPool.AppendCertsFromPEM: `CERTIFICATE` blocks without headers that parse; the rest is skipped silently. */
export function appendCertsFromPEM(pool: Certificate[], pem: Uint8Array): boolean {
  let ok = false;
  let remaining: Uint8Array = pem;
  while (remaining.length > 0) {
    const { block, rest } = pemDecode(remaining);
    if (!block) break;
    remaining = rest;
    if (block.type !== 'CERTIFICATE' || Object.keys(block.headers).length !== 0) continue;
    let c: Certificate;
    try {
      c = parseCertificate(block.bytes);
    } catch {
      continue;
    }
    addCert(pool, c);
    ok = true;
  }
  return ok;
}

export function addCert(pool: Certificate[], c: Certificate): void {
  if (!pool.some((p) => Buffer.from(p.raw).equals(Buffer.from(c.raw)))) pool.push(c);
}

// ----------------------------------------------------------------------------------------------------------------
// Verify

const rfc3339 = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
const bytesEq = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

function certName(c: Certificate): string {
  if (c.subjectCommonName) return c.subjectCommonName;
  if (c.subjectOrganization.length > 0) return c.subjectOrganization[0]!;
  return 'serial:' + c.serial.toString();
}

const SIG_ALGS: Record<string, { hash: string; key: 'rsa' | 'ecdsa' | 'ed25519'; pss?: boolean; name: string }> = {
  '1.2.840.113549.1.1.11': { hash: 'sha256', key: 'rsa', name: 'SHA256-RSA' },
  '1.2.840.113549.1.1.12': { hash: 'sha384', key: 'rsa', name: 'SHA384-RSA' },
  '1.2.840.113549.1.1.13': { hash: 'sha512', key: 'rsa', name: 'SHA512-RSA' },
  '1.2.840.10045.4.3.2': { hash: 'sha256', key: 'ecdsa', name: 'ECDSA-SHA256' },
  '1.2.840.10045.4.3.3': { hash: 'sha384', key: 'ecdsa', name: 'ECDSA-SHA384' },
  '1.2.840.10045.4.3.4': { hash: 'sha512', key: 'ecdsa', name: 'ECDSA-SHA512' },
  '1.3.101.112': { hash: '', key: 'ed25519', name: 'Ed25519' },
};
const INSECURE: Record<string, string> = {
  '1.2.840.113549.1.1.5': 'SHA1-RSA',
  '1.2.840.10045.4.1': 'ECDSA-SHA1',
  '1.2.840.113549.1.1.4': 'MD5-RSA',
  '1.2.840.113549.1.1.2': 'MD2-RSA',
};
const KEY_TYPE_NAMES: Record<string, string> = { rsa: '*rsa.PublicKey', ecdsa: '*ecdsa.PublicKey', ed25519: 'ed25519.PublicKey', dsa: '*dsa.PublicKey', x25519: '*ecdh.PublicKey' };

/** Go Certificate.CheckSignatureFrom; returns the failure text or undefined. */
function checkSignatureFrom(child: Certificate, parent: Certificate): string | undefined {
  if ((parent.version === 3 && !parent.basicConstraintsValid) || (parent.basicConstraintsValid && !parent.isCA)) {
    return 'x509: invalid signature: parent certificate cannot sign this kind of certificate';
  }
  if (parent.keyUsage !== 0 && (parent.keyUsage & KEY_USAGE_CERT_SIGN) === 0) {
    return 'x509: invalid signature: parent certificate cannot sign this kind of certificate';
  }
  const pk = parent.publicKey;
  if (!pk) return 'x509: cannot verify signature: algorithm unimplemented';
  if (INSECURE[child.signatureAlgorithm]) return `x509: cannot verify signature: insecure algorithm ${INSECURE[child.signatureAlgorithm]}`;
  const alg = SIG_ALGS[child.signatureAlgorithm];
  if (child.signatureAlgorithm === '1.2.840.113549.1.1.10') {
    // RSASSA-PSS: Go requires salt length = hash length; the hash comes from the parameters.
    return checkPSS(child, pk);
  }
  if (!alg) return 'x509: cannot verify signature: algorithm unimplemented';
  if (pk.kind !== alg.key) {
    const want = alg.key === 'rsa' ? 'RSA' : alg.key === 'ecdsa' ? 'ECDSA' : 'Ed25519';
    return `x509: signature algorithm specifies an ${want} public key, but have public key of type ${KEY_TYPE_NAMES[pk.kind]}`;
  }
  let ok = false;
  try {
    if (alg.key === 'rsa') ok = nodeVerify(alg.hash, child.tbs, { key: pk.keyObject!, padding: constants.RSA_PKCS1_PADDING }, child.signature);
    else if (alg.key === 'ecdsa') ok = nodeVerify(alg.hash, child.tbs, { key: pk.keyObject!, dsaEncoding: 'der' }, child.signature);
    else ok = nodeVerify(null, child.tbs, pk.keyObject!, child.signature);
  } catch {
    ok = false;
  }
  if (ok) return undefined;
  return alg.key === 'rsa' ? 'crypto/rsa: verification error' : alg.key === 'ecdsa' ? 'x509: ECDSA verification failure' : 'x509: Ed25519 verification failure';
}

function checkPSS(child: Certificate, pk: PublicKey): string | undefined {
  if (pk.kind !== 'rsa') return `x509: signature algorithm specifies an RSA public key, but have public key of type ${KEY_TYPE_NAMES[pk.kind]}`;
  // Parameters: SEQUENCE { [0] hashAlgorithm, [1] maskGenAlgorithm, [2] saltLength, … }.
  let hash = 'sha1';
  try {
    const top = parseOne(child.raw);
    const sigAlg = children(top)[1]!;
    const params = children(sigAlg)[1];
    if (params) {
      for (const p of children(params)) {
        if (p.tag === 0xa0) {
          const oid = decodeOID(children(parseOne(contents(p)))[0]!);
          hash = { '2.16.840.1.101.3.4.2.1': 'sha256', '2.16.840.1.101.3.4.2.2': 'sha384', '2.16.840.1.101.3.4.2.3': 'sha512' }[oid] ?? 'sha1';
        }
      }
    }
  } catch {
    return 'x509: cannot verify signature: algorithm unimplemented';
  }
  if (hash === 'sha1') return 'x509: cannot verify signature: insecure algorithm SHA1-RSAPSS';
  const saltLength = { sha256: 32, sha384: 48, sha512: 64 }[hash]!;
  try {
    if (nodeVerify(hash, child.tbs, { key: pk.keyObject!, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength }, child.signature)) return undefined;
  } catch {
    /* fall through */
  }
  return 'crypto/rsa: verification error';
}

export interface VerifyOptions {
  readonly roots: readonly Certificate[];
  readonly intermediates: readonly Certificate[];
  readonly currentTime: Date;
  /** Required EKU OIDs (c/image: codeSigning). */
  readonly keyUsages: readonly string[];
}

type CertType = 'leaf' | 'intermediate' | 'root';

function reverseLabels(domain: string): string[] | undefined {
  if (domain.length === 0) return [];
  const labels = domain.split('.').reverse();
  if (labels[0]!.length === 0) return undefined;
  for (const l of labels) {
    if (l.length === 0) return undefined;
    for (const ch of l) if (ch.charCodeAt(0) < 33 || ch.charCodeAt(0) > 126) return undefined;
  }
  return labels;
}

function matchDomainConstraint(domain: string, constraint: string): boolean {
  if (constraint.length === 0) return true;
  const d = reverseLabels(domain);
  if (!d) throw new Error(`x509: internal error: cannot parse domain ${goQuote(domain)}`);
  let mustHaveSubdomains = false;
  if (constraint[0] === '.') {
    mustHaveSubdomains = true;
    constraint = constraint.slice(1);
  }
  const c = reverseLabels(constraint);
  if (!c) throw new Error(`x509: internal error: cannot parse domain ${goQuote(constraint)}`);
  if (d.length < c.length || (mustHaveSubdomains && d.length === c.length)) return false;
  return c.every((l, i) => l.toLowerCase() === d[i]!.toLowerCase());
}

function splitMailbox(s: string): { local: string; domain: string } | undefined {
  const at = s.lastIndexOf('@');
  if (at <= 0 || at === s.length - 1) return undefined;
  return { local: s.slice(0, at), domain: s.slice(at + 1) };
}

function matchEmailConstraint(mailbox: { local: string; domain: string }, constraint: string): boolean {
  if (constraint.includes('@')) {
    const c = splitMailbox(constraint);
    if (!c) throw new Error(`x509: internal error: cannot parse constraint ${goQuote(constraint)}`);
    return mailbox.local === c.local && mailbox.domain.toLowerCase() === c.domain.toLowerCase();
  }
  return matchDomainConstraint(mailbox.domain, constraint);
}

function ipString(ip: Uint8Array): string {
  if (ip.length === 4) return [...ip].join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((ip[i]! << 8) | ip[i + 1]!).toString(16));
  return groups.join(':').replace(/\b(?:0:){2,}0?\b|^0:0(?::0)+|(?::0)+$/, '::').replace(/:{3,}/, '::');
}

function maskBits(mask: Uint8Array): number {
  let n = 0;
  for (const b of mask) for (let k = 7; k >= 0; k--) if (b & (1 << k)) n++;
  return n;
}

/** The `isValid` name-constraint step for one CA certificate over the SANs of the chain below it. */
function checkNameConstraints(ca: Certificate, chain: readonly Certificate[]): string | undefined {
  const nc = ca.nameConstraints;
  if (!nc) return undefined;
  const fail = (detail: string) => `x509: a root or intermediate certificate is not authorized to sign for this name: ${detail}`;
  const check = <T>(nameType: string, name: string, parsed: T, match: (p: T, c: string) => boolean, permitted: string[], excluded: string[]): string | undefined => {
    try {
      for (const c of excluded) if (match(parsed, c)) return fail(`${nameType} ${goQuote(name)} is excluded by constraint ${goQuote(c)}`);
      if (permitted.length > 0 && !permitted.some((c) => match(parsed, c))) return fail(`${nameType} ${goQuote(name)} is not permitted by any constraint`);
    } catch (e) {
      return fail((e as Error).message);
    }
    return undefined;
  };
  for (const c of chain) {
    if (!c.sanExtension) continue;
    for (const email of c.emailAddresses) {
      const mb = splitMailbox(email);
      if (!mb) return `x509: cannot parse rfc822Name ${goQuote(email)}`;
      const r = check('email address', email, mb, matchEmailConstraint, nc.permittedEmail, nc.excludedEmail);
      if (r) return r;
    }
    for (const dns of c.dnsNames) {
      if (!reverseLabels(dns)) return `x509: cannot parse dnsName ${goQuote(dns)}`;
      const r = check('DNS name', dns, dns, matchDomainConstraint, nc.permittedDNS, nc.excludedDNS);
      if (r) return r;
    }
    for (const uri of c.uris) {
      let host: string;
      try {
        host = new URL(uri).hostname;
      } catch {
        return `x509: internal error: URI SAN ${goQuote(uri)} failed to parse`;
      }
      const r = check(
        'URI',
        uri,
        host,
        (h, con) => {
          if (h.length === 0) throw new Error(`URI with empty host (${goQuote(uri)}) cannot be matched against constraints`);
          if (/^\[|^\d+\.\d+\.\d+\.\d+$/.test(h)) throw new Error(`URI with IP (${goQuote(uri)}) cannot be matched against constraints`);
          return matchDomainConstraint(h, con);
        },
        nc.permittedURI,
        nc.excludedURI,
      );
      if (r) return r;
    }
    for (const ip of c.ipAddresses) {
      const inNet = (n: { ip: Uint8Array; mask: Uint8Array }) =>
        n.ip.length === ip.length && [...ip].every((b, i) => (b & n.mask[i]!) === (n.ip[i]! & n.mask[i]!));
      const fmt = (n: { ip: Uint8Array; mask: Uint8Array }) => `${ipString(n.ip)}/${maskBits(n.mask)}`;
      for (const n of nc.excludedIP) if (inNet(n)) return fail(`IP address ${goQuote(ipString(ip))} is excluded by constraint ${goQuote(fmt(n))}`);
      if (nc.permittedIP.length > 0 && !nc.permittedIP.some(inNet)) return fail(`IP address ${goQuote(ipString(ip))} is not permitted by any constraint`);
    }
  }
  return undefined;
}

/** Go Certificate.isValid. */
function isValid(c: Certificate, certType: CertType, chain: readonly Certificate[], opts: VerifyOptions): string | undefined {
  if (c.unhandledCriticalExtensions.length > 0) return 'x509: unhandled critical extension';
  if (chain.length > 0 && !bytesEq(chain[chain.length - 1]!.rawIssuer, c.rawSubject)) {
    return 'x509: issuer name does not match subject from issuing certificate';
  }
  const now = opts.currentTime;
  if (now.getTime() < c.notBefore.getTime()) {
    return `x509: certificate has expired or is not yet valid: current time ${rfc3339(now)} is before ${rfc3339(c.notBefore)}`;
  }
  if (now.getTime() > c.notAfter.getTime()) {
    return `x509: certificate has expired or is not yet valid: current time ${rfc3339(now)} is after ${rfc3339(c.notAfter)}`;
  }
  if (certType !== 'leaf') {
    const nc = checkNameConstraints(c, chain);
    if (nc) return nc;
  }
  if (certType === 'intermediate' && (!c.basicConstraintsValid || !c.isCA)) {
    return 'x509: certificate is not authorized to sign other certificates';
  }
  if (c.basicConstraintsValid && c.maxPathLen >= 0 && chain.length - 1 > c.maxPathLen) {
    return 'x509: too many intermediates for path length constraint';
  }
  return undefined;
}

function findPotentialParents(pool: readonly Certificate[], c: Certificate): Certificate[] {
  const matching: Certificate[] = [];
  const one: Certificate[] = [];
  const mismatch: Certificate[] = [];
  for (const p of pool) {
    if (!bytesEq(p.rawSubject, c.rawIssuer)) continue;
    if (bytesEq(p.subjectKeyId, c.authorityKeyId)) matching.push(p);
    else if ((p.subjectKeyId.length === 0) !== (c.authorityKeyId.length === 0)) one.push(p);
    else mismatch.push(p);
  }
  return [...matching, ...one, ...mismatch];
}

function alreadyInChain(candidate: Certificate, chain: readonly Certificate[]): boolean {
  for (const c of chain) {
    if (!bytesEq(candidate.rawSubject, c.rawSubject)) continue;
    if (!bytesEq(candidate.spki, c.spki)) continue;
    const a = candidate.sanExtension;
    const b = c.sanExtension;
    if (!a && !b) return true;
    if (!a || !b) continue;
    if (bytesEq(a.value, b.value)) return true;
  }
  return false;
}

const MAX_SIGNATURE_CHECKS = 100;

function buildChains(chain: Certificate[], counter: { n: number }, opts: VerifyOptions): { chains: Certificate[][]; error?: string } {
  const c = chain[chain.length - 1]!;
  const chains: Certificate[][] = [];
  let hint: { err: string; cert: Certificate } | undefined;
  let fatal: string | undefined;
  const consider = (type: CertType, cand: Certificate) => {
    if (fatal) return;
    if (!cand.publicKey || alreadyInChain(cand, chain)) return;
    if (++counter.n > MAX_SIGNATURE_CHECKS) {
      fatal = 'x509: signature check attempts limit reached while verifying certificate chain';
      return;
    }
    const sigErr = checkSignatureFrom(c, cand);
    if (sigErr) {
      hint ??= { err: sigErr, cert: cand };
      return;
    }
    const validErr = isValid(cand, type, chain, opts);
    if (validErr) {
      hint ??= { err: validErr, cert: cand };
      return;
    }
    if (type === 'root') chains.push([...chain, cand]);
    else {
      const sub = buildChains([...chain, cand], counter, opts);
      if (sub.error && sub.chains.length === 0 && sub.error.startsWith('x509: signature check attempts')) fatal = sub.error;
      chains.push(...sub.chains);
    }
  };
  for (const r of findPotentialParents(opts.roots, c)) consider('root', r);
  for (const r of findPotentialParents(opts.intermediates, c)) consider('intermediate', r);
  if (chains.length > 0) return { chains };
  if (fatal) return { chains, error: fatal };
  let err = 'x509: certificate signed by unknown authority';
  if (hint) err += ` (possibly because of ${goQuote(hint.err)} while trying to verify candidate authority certificate ${goQuote(certName(hint.cert))})`;
  return { chains, error: err };
}

function chainAllowsKeyUsage(chain: readonly Certificate[], wanted: readonly string[]): boolean {
  const usages: (string | undefined)[] = [...wanted];
  let remaining = usages.length;
  for (let i = chain.length - 1; i >= 0; i--) {
    const c = chain[i]!;
    if (c.extKeyUsage.length === 0) continue;
    if (c.extKeyUsage.includes(OID.EKU_ANY)) continue;
    for (let k = 0; k < usages.length; k++) {
      const u = usages[k];
      if (u === undefined) continue;
      if (c.extKeyUsage.includes(u)) continue;
      usages[k] = undefined;
      if (--remaining === 0) return false;
    }
  }
  return true;
}

/** Go Certificate.Verify; returns the Go error text, or undefined when some chain is acceptable. */
export function verifyCertificate(leaf: Certificate, opts: VerifyOptions): string | undefined {
  const leafErr = isValid(leaf, 'leaf', [], opts);
  if (leafErr) return leafErr;
  let candidates: Certificate[][];
  if (opts.roots.some((r) => bytesEq(r.raw, leaf.raw))) candidates = [[leaf]];
  else {
    const r = buildChains([leaf], { n: 0 }, opts);
    if (r.chains.length === 0) return r.error;
    candidates = r.chains;
  }
  if (opts.keyUsages.includes(OID.EKU_ANY)) return undefined;
  if (candidates.some((ch) => chainAllowsKeyUsage(ch, opts.keyUsages))) return undefined;
  return 'x509: certificate specifies an incompatible key usage';
}

// ----------------------------------------------------------------------------------------------------------------
// VerifyHostname

function parseIP(s: string): Uint8Array | undefined {
  const v4 = s.match(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/);
  if (v4) {
    const b = v4.slice(1).map(Number);
    if (b.some((x, i) => x > 255 || (v4[i + 1]!.length > 1 && v4[i + 1]![0] === '0'))) return undefined;
    return new Uint8Array(b);
  }
  if (!s.includes(':')) return undefined;
  try {
    const u = new URL(`http://[${s}]/`);
    const h = u.hostname.slice(1, -1);
    const [head, tail] = h.includes('::') ? h.split('::') : [h, undefined];
    const hp = head ? head.split(':') : [];
    const tp = tail !== undefined && tail !== '' ? tail.split(':') : [];
    const groups = tail === undefined ? hp : [...hp, ...Array(8 - hp.length - tp.length).fill('0'), ...tp];
    const out = new Uint8Array(16);
    groups.forEach((g, i) => {
      const n = parseInt(g, 16);
      out[2 * i] = n >> 8;
      out[2 * i + 1] = n & 0xff;
    });
    return out;
  } catch {
    return undefined;
  }
}

function ipEqual(a: Uint8Array, b: Uint8Array): boolean {
  const to16 = (x: Uint8Array) => (x.length === 4 ? new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...x]) : x);
  return bytesEq(to16(a), to16(b));
}

function validHostname(host: string, isPattern: boolean): boolean {
  if (!isPattern) host = host.replace(/\.$/, '');
  if (host.length === 0 || host === '*') return false;
  const parts = host.split('.');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part === '') return false;
    if (isPattern && i === 0 && part === '*') continue;
    for (let j = 0; j < part.length; j++) {
      const ch = part[j]!;
      if (/[a-zA-Z0-9_]/.test(ch) || (ch === '-' && j !== 0)) continue;
      return false;
    }
  }
  return true;
}

const lowerASCII = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

function matchHostnames(pattern: string, host: string): boolean {
  pattern = lowerASCII(pattern);
  host = lowerASCII(host.replace(/\.$/, ''));
  if (pattern.length === 0 || host.length === 0) return false;
  const pp = pattern.split('.');
  const hp = host.split('.');
  if (pp.length !== hp.length) return false;
  return pp.every((p, i) => (i === 0 && p === '*') || p === hp[i]);
}

function matchExactly(a: string, b: string): boolean {
  if (a === '' || a === '.' || b === '' || b === '.') return false;
  return lowerASCII(a) === lowerASCII(b);
}

/** Go Certificate.VerifyHostname; returns the HostnameError text or undefined. */
export function verifyHostname(c: Certificate, h: string): string | undefined {
  let candidateIP = h;
  if (h.length >= 3 && h.startsWith('[') && h.endsWith(']')) candidateIP = h.slice(1, -1);
  const ip = parseIP(candidateIP);
  if (ip) {
    if (c.ipAddresses.some((x) => ipEqual(x, ip))) return undefined;
    if (c.ipAddresses.length === 0) return `x509: cannot validate certificate for ${candidateIP} because it doesn't contain any IP SANs`;
    return `x509: certificate is valid for ${c.ipAddresses.map(ipString).join(', ')}, not ${candidateIP}`;
  }
  const candidateName = lowerASCII(h);
  const validCandidate = validHostname(candidateName, false);
  for (const m of c.dnsNames) {
    if (validCandidate && validHostname(m, true) ? matchHostnames(m, candidateName) : matchExactly(m, candidateName)) return undefined;
  }
  if (!c.sanExtension && matchHostnames(c.subjectCommonName, h)) {
    return 'x509: certificate relies on legacy Common Name field, use SANs instead';
  }
  const valid = c.dnsNames.join(', ');
  if (valid.length === 0) return `x509: certificate is not valid for any names, but wanted to match ${h}`;
  return `x509: certificate is valid for ${valid}, not ${h}`;
}

