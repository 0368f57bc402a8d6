/**
 * Go 1.24's crypto/x509 ParseCertificate (skopeo 1.18 / c/image 5.34.2 are built with Go 1.24), step by step and
 * with Go's error texts, because whether a certificate *parses* is part of c/image's verdict: the DER strictness of
 * cryptobyte (BOOLEAN only 0x00/0xFF, minimal INTEGERs and OIDs, Go's UTCTime/GeneralizedTime forms), the string
 * types of names (PrintableString's charset, …), the inner/outer signature-algorithm match, SAN and URI parsing,
 * name-constraint parsing with its checks, the policy extensions Go 1.24 uses in chain building — and equally what
 * Go does *not* check: bytes after an extension's value or after the TBS fields, extensions of a v1/v2 certificate
 * (never read), a UTCTime with an offset or without seconds.
 * node:crypto is used only for the public-key objects (keys.ts) and, in verify.ts, for signature checks.
 */
import {
  DERError,
  TAG,
  contents,
  decodeBitString,
  decodeBoolean,
  decodeInt64,
  decodeOID,
  decodeSignedBig,
  decodeZonedTime,
  readTLV,
  rightAlign,
  whole,
  type TLV,
  type ZonedTime,
} from '../../encoding/asn1.js';
import { goQuote } from '../../fmt.js';
import { KeyParseError, parsePKIXPublicKey, type PublicKey } from '../keys.js';
import { pemDecode, trimSpace } from '../../encoding/pem.js';
import { parseURL, URLError } from '../../net/url.js';
import { domainToReverseLabels, ia5Error, parseRFC2821Mailbox } from './names.js';

export const OID = {
  SAN: '2.5.29.17',
  KEY_USAGE: '2.5.29.15',
  BASIC_CONSTRAINTS: '2.5.29.19',
  NAME_CONSTRAINTS: '2.5.29.30',
  EXT_KEY_USAGE: '2.5.29.37',
  SKI: '2.5.29.14',
  AKI: '2.5.29.35',
  CERTIFICATE_POLICIES: '2.5.29.32',
  POLICY_MAPPINGS: '2.5.29.33',
  POLICY_CONSTRAINTS: '2.5.29.36',
  INHIBIT_ANY_POLICY: '2.5.29.54',
  CRL_DISTRIBUTION_POINTS: '2.5.29.31',
  AUTHORITY_INFO_ACCESS: '1.3.6.1.5.5.7.1.1',
  EKU_CODE_SIGNING: '1.3.6.1.5.5.7.3.3',
  EKU_ANY: '2.5.29.37.0',
  ANY_POLICY: '2.5.29.32.0',
  FULCIO_ISSUER_V1: '1.3.6.1.4.1.57264.1.1',
  FULCIO_ISSUER_V2: '1.3.6.1.4.1.57264.1.8',
} as const;

export interface Extension {
  readonly oid: string;
  readonly critical: boolean;
  readonly value: Uint8Array;
}

export interface IPNet {
  readonly ip: Uint8Array;
  readonly mask: Uint8Array;
}

export interface NameConstraints {
  readonly permittedDNS: string[];
  readonly excludedDNS: string[];
  readonly permittedEmail: string[];
  readonly excludedEmail: string[];
  readonly permittedURI: string[];
  readonly excludedURI: string[];
  readonly permittedIP: IPNet[];
  readonly excludedIP: IPNet[];
}

export interface PolicyMapping {
  readonly issuerDomainPolicy: string;
  readonly subjectDomainPolicy: string;
}

export interface Certificate {
  readonly raw: Uint8Array;
  readonly tbs: Uint8Array;
  readonly signatureAlgorithm: string;
  /** The AlgorithmIdentifier's parameters element (whole TLV), if any (RSASSA-PSS needs it). */
  readonly signatureAlgorithmParams?: Uint8Array;
  readonly signature: Uint8Array;
  readonly version: number;
  readonly serial: bigint;
  readonly rawIssuer: Uint8Array;
  readonly rawSubject: Uint8Array;
  readonly subjectCommonName: string;
  readonly subjectOrganization: readonly string[];
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** The validity times with the zone offsets they were written with (for Go's messages). */
  readonly validity: { readonly notBefore: ZonedTime; readonly notAfter: ZonedTime };
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
  readonly unhandledCriticalExtensions: readonly string[];
  readonly nameConstraints?: NameConstraints;
  /** certificatePolicies OIDs, in order (Go `Policies`). */
  readonly policies: readonly string[];
  readonly policyMappings: readonly PolicyMapping[];
  /** Go's int + "Zero" pairs, as `undefined` when absent. */
  readonly requireExplicitPolicy?: number;
  readonly inhibitPolicyMapping?: number;
  readonly inhibitAnyPolicy?: number;
}

export class X509Error extends Error {}

const fail = (m: string): never => {
  throw new X509Error(m);
};

/** A cursor over DER elements, as cryptobyte.String: every read either succeeds or reports false (undefined). */
class Cursor {
  constructor(
    private readonly buf: Uint8Array,
    private pos: number,
    private readonly end: number,
  ) {}
  static over(t: TLV): Cursor {
    return new Cursor(t.buf, t.contentStart, t.end);
  }
  static of(b: Uint8Array): Cursor {
    return new Cursor(b, 0, b.length);
  }
  empty(): boolean {
    return this.pos >= this.end;
  }
  peek(tag: number): boolean {
    return this.pos < this.end && this.buf[this.pos] === tag;
  }
  any(): TLV | undefined {
    try {
      const t = readTLV(this.buf, this.pos, this.end);
      this.pos = t.end;
      return t;
    } catch (e) {
      if (e instanceof DERError) return undefined;
      throw e;
    }
  }
  read(tag: number): TLV | undefined {
    if (!this.peek(tag)) return undefined;
    return this.any();
  }
  optional(tag: number): { ok: boolean; t?: TLV } {
    if (!this.peek(tag)) return { ok: true };
    const t = this.any();
    return t ? { ok: true, t } : { ok: false };
  }
}

const attempt = <T>(f: () => T): T | undefined => {
  try {
    return f();
  } catch (e) {
    if (e instanceof DERError) return undefined;
    throw e;
  }
};

const latin1 = (b: Uint8Array) => Buffer.from(b).toString('latin1');

/** Go isPrintable (PrintableString plus '*' and '&', which Go tolerates). */
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?*&]*$/;

/** Go x509 parseASN1String (the name attribute value types). */
function parseASN1String(tag: number, value: Uint8Array): string {
  switch (tag) {
    case TAG.T61String:
      return latin1(value);
    case TAG.PrintableString:
      if (!PRINTABLE.test(latin1(value))) throw new Error('invalid PrintableString');
      return latin1(value);
    case TAG.UTF8String:
      try {
        return new TextDecoder('utf-8', { fatal: true }).decode(value);
      } catch {
        throw new Error('invalid UTF-8 string');
      }
    case TAG.BMPString: {
      if (value.length % 2 !== 0) throw new Error('invalid BMPString');
      let v = value;
      if (v.length >= 2 && v[v.length - 1] === 0 && v[v.length - 2] === 0) v = v.subarray(0, v.length - 2);
      return Buffer.from(v).swap16().toString('utf16le');
    }
    case TAG.IA5String:
      if (value.some((c) => c > 0x7f)) throw new Error('invalid IA5String');
      return latin1(value);
    case TAG.NumericString:
      if (!/^[0-9 ]*$/.test(latin1(value))) throw new Error('invalid NumericString');
      return latin1(value);
  }
  throw new Error(`unsupported string type: ${goTagString(tag)}`);
}

/** cryptobyte asn1.Tag printed with %v (its underlying uint8). */
const goTagString = (tag: number) => String(tag);

/** Go x509 parseName: the RDNSequence, every attribute value one of Go's string types. */
function parseName(t: TLV): { cn: string; o: string[] } {
  const raw = Cursor.over(t);
  let cn = '';
  const o: string[] = [];
  while (!raw.empty()) {
    const set = raw.read(TAG.SET);
    if (!set) fail('x509: invalid RDNSequence');
    const sc = Cursor.over(set!);
    while (!sc.empty()) {
      const atv = sc.read(TAG.SEQUENCE);
      if (!atv) fail('x509: invalid RDNSequence: invalid attribute');
      const ac = Cursor.over(atv!);
      const oidT = ac.read(TAG.OID);
      const id = oidT ? attempt(() => decodeOID(oidT)) : undefined;
      if (id === undefined) fail('x509: invalid RDNSequence: invalid attribute type');
      const val = ac.any();
      if (!val) fail('x509: invalid RDNSequence: invalid attribute value');
      let text: string;
      try {
        text = parseASN1String(val!.tag, contents(val!));
      } catch (e) {
        throw new X509Error(`x509: invalid RDNSequence: invalid attribute value: ${(e as Error).message}`);
      }
      if (id === '2.5.4.3') cn = text;
      if (id === '2.5.4.10') o.push(text);
    }
  }
  return { cn, o };
}

function parseTime(c: Cursor): ZonedTime {
  if (c.peek(TAG.UTCTime)) {
    const t = c.any();
    const d = t ? attempt(() => decodeZonedTime(t)) : undefined;
    return d ?? fail('x509: malformed UTCTime');
  }
  if (c.peek(TAG.GeneralizedTime)) {
    const t = c.any();
    const d = t ? attempt(() => decodeZonedTime(t)) : undefined;
    return d ?? fail('x509: malformed GeneralizedTime');
  }
  return fail('x509: unsupported time format');
}

/** Go parseAI: the OID, then optionally one parameters element (anything after it is ignored). */
function parseAI(t: TLV): { oid: string; params?: Uint8Array } {
  const c = Cursor.over(t);
  const oidT = c.read(TAG.OID);
  const oid = oidT ? attempt(() => decodeOID(oidT)) : undefined;
  if (oid === undefined) fail('x509: malformed OID');
  if (c.empty()) return { oid: oid! };
  const p = c.any();
  if (!p) fail('x509: malformed parameters');
  return { oid: oid!, params: whole(p!) };
}

function parseExtension(t: TLV): Extension {
  const c = Cursor.over(t);
  const oidT = c.read(TAG.OID);
  const oid = oidT ? attempt(() => decodeOID(oidT)) : undefined;
  if (oid === undefined) fail('x509: malformed extension OID field');
  let critical = false;
  if (c.peek(TAG.BOOLEAN)) {
    const b = c.any();
    const v = b ? attempt(() => decodeBoolean(b)) : undefined;
    if (v === undefined) fail('x509: malformed extension critical field');
    critical = v!;
  }
  const val = c.read(TAG.OCTET_STRING);
  if (!val) fail('x509: malformed extension value field');
  // Go reads nothing after the value: stray bytes there are ignored.
  return { oid: oid!, critical, value: new Uint8Array(contents(val!)) };
}

/** `val.ReadASN1(&val, tag)` on an extension value: one element; what follows it is ignored, as in Go. */
function firstElement(value: Uint8Array, tag: number, message: string): Cursor {
  const t = Cursor.of(value).read(tag);
  if (!t) fail(message);
  return Cursor.over(t!);
}

interface SANs {
  dns: string[];
  email: string[];
  ip: Uint8Array[];
  uri: string[];
}

/** Go forEachSAN: the callback sees `tag ^ 0x80` (so constructed entries never match a name type). */
export function forEachSAN(value: Uint8Array, cb: (nameType: number, data: Uint8Array) => void): void {
  const c = firstElement(value, TAG.SEQUENCE, 'x509: invalid subject alternative names');
  while (!c.empty()) {
    const san = c.any();
    if (!san) fail('x509: invalid subject alternative name');
    cb(san!.tag ^ 0x80, contents(san!));
  }
}

export const NAME_TYPE = { EMAIL: 1, DNS: 2, URI: 6, IP: 7 } as const;

function parseSANExtension(value: Uint8Array): SANs {
  const out: SANs = { dns: [], email: [], ip: [], uri: [] };
  forEachSAN(value, (type, data) => {
    const s = latin1(data);
    switch (type) {
      case NAME_TYPE.EMAIL:
        if (ia5Error(s)) fail('x509: SAN rfc822Name is malformed');
        out.email.push(s);
        break;
      case NAME_TYPE.DNS:
        if (ia5Error(s)) fail('x509: SAN dNSName is malformed');
        out.dns.push(s);
        break;
      case NAME_TYPE.URI: {
        if (ia5Error(s)) fail('x509: SAN uniformResourceIdentifier is malformed');
        let host: string;
        try {
          host = parseURL(s).host;
        } catch (e) {
          if (e instanceof URLError) throw new X509Error(`x509: cannot parse URI ${goQuote(s)}: ${e.message}`);
          throw e;
        }
        if (host.length > 0 && !domainToReverseLabels(host)) fail(`x509: cannot parse URI ${goQuote(s)}: invalid domain`);
        out.uri.push(s);
        break;
      }
      case NAME_TYPE.IP:
        if (data.length !== 4 && data.length !== 16) fail(`x509: cannot parse IP address of length ${data.length}`);
        out.ip.push(new Uint8Array(data));
        break;
    }
  });
  return out;
}

/** Go isValidIPMask: ones, then zeros. */
function isValidIPMask(mask: Uint8Array): boolean {
  let seenZero = false;
  for (const b of mask) {
    if (seenZero) {
      if (b !== 0) return false;
      continue;
    }
    if ([0x00, 0x80, 0xc0, 0xe0, 0xf0, 0xf8, 0xfc, 0xfe].includes(b)) seenZero = true;
    else if (b !== 0xff) return false;
  }
  return true;
}

/** Go's `net.ParseIP(s) != nil` (dotted quad without leading zeros, or an IPv6 text form). */
export function isGoIP(s: string): boolean {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(s)) return s.split('.').every((p) => +p <= 255 && (p.length === 1 || p[0] !== '0'));
  if (!s.includes(':') || !/^[0-9A-Fa-f:.]+$/.test(s)) return false;
  try {
    return new URL(`http://[${s}]/`).hostname.length > 2;
  } catch {
    return false;
  }
}

function parseNameConstraintsExtension(ext: Extension): { nc: NameConstraints; unhandled: boolean } {
  const invalid = 'x509: invalid NameConstraints extension';
  const outer = Cursor.of(ext.value);
  const top = outer.read(TAG.SEQUENCE);
  if (!top || !outer.empty()) fail(invalid);
  const tc = Cursor.over(top!);
  const p = tc.optional(0xa0);
  if (!p.ok) fail(invalid);
  const x = tc.optional(0xa1);
  if (!x.ok || !tc.empty()) fail(invalid);
  const pLen = p.t ? p.t.end - p.t.contentStart : 0;
  const xLen = x.t ? x.t.end - x.t.contentStart : 0;
  if ((!p.t && !x.t) || (pLen === 0 && xLen === 0)) fail('x509: empty name constraints extension');
  let unhandled = false;
  const getValues = (subtrees: TLV | undefined) => {
    const v = { dns: [] as string[], ip: [] as IPNet[], email: [] as string[], uri: [] as string[] };
    if (!subtrees) return v;
    const c = Cursor.over(subtrees);
    while (!c.empty()) {
      const seq = c.read(TAG.SEQUENCE);
      const base = seq ? Cursor.over(seq).any() : undefined;
      if (!base) fail(invalid);
      const value = contents(base!);
      const s = latin1(value);
      switch (base!.tag) {
        case 0x82: {
          const e = ia5Error(s);
          if (e) fail(`x509: invalid constraint value: ${e}`);
          if (!domainToReverseLabels(s.startsWith('.') ? s.slice(1) : s)) fail(`x509: failed to parse dnsName constraint ${goQuote(s)}`);
          v.dns.push(s);
          break;
        }
        case 0x87: {
          if (value.length !== 8 && value.length !== 32) fail(`x509: IP constraint contained value of length ${value.length}`);
          const half = value.length / 2;
          const mask = value.subarray(half);
          if (!isValidIPMask(mask)) fail(`x509: IP constraint contained invalid mask ${Buffer.from(mask).toString('hex')}`);
          v.ip.push({ ip: new Uint8Array(value.subarray(0, half)), mask: new Uint8Array(mask) });
          break;
        }
        case 0x81: {
          const e = ia5Error(s);
          if (e) fail(`x509: invalid constraint value: ${e}`);
          if (s.includes('@')) {
            if (!parseRFC2821Mailbox(s)) fail(`x509: failed to parse rfc822Name constraint ${goQuote(s)}`);
          } else if (!domainToReverseLabels(s.startsWith('.') ? s.slice(1) : s)) {
            fail(`x509: failed to parse rfc822Name constraint ${goQuote(s)}`);
          }
          v.email.push(s);
          break;
        }
        case 0x86: {
          const e = ia5Error(s);
          if (e) fail(`x509: invalid constraint value: ${e}`);
          if (isGoIP(s)) fail(`x509: failed to parse URI constraint ${goQuote(s)}: cannot be IP address`);
          if (!domainToReverseLabels(s.startsWith('.') ? s.slice(1) : s)) fail(`x509: failed to parse URI constraint ${goQuote(s)}`);
          v.uri.push(s);
          break;
        }
        default:
          unhandled = true;
      }
    }
    return v;
  };
  const perm = getValues(p.t);
  const excl = getValues(x.t);
  return {
    nc: {
      permittedDNS: perm.dns, excludedDNS: excl.dns, permittedEmail: perm.email, excludedEmail: excl.email,
      permittedURI: perm.uri, excludedURI: excl.uri, permittedIP: perm.ip, excludedIP: excl.ip,
    },
    unhandled,
  };
}

function parseCertificatePolicies(value: Uint8Array): string[] {
  const invalid = 'x509: invalid certificate policies';
  const c = firstElement(value, TAG.SEQUENCE, invalid);
  const seen = new Set<string>();
  const out: string[] = [];
  while (!c.empty()) {
    const cp = c.read(TAG.SEQUENCE);
    const oidT = cp ? Cursor.over(cp).read(TAG.OID) : undefined;
    if (!oidT) fail(invalid);
    const der = Buffer.from(contents(oidT!)).toString('hex');
    if (seen.has(der)) fail(invalid);
    seen.add(der);
    // Go newOIDFromDER: non-empty, minimal base-128 components, no truncation (any size).
    const b = contents(oidT!);
    if (b.length === 0 || b[b.length - 1]! & 0x80) fail(invalid);
    for (let k = 0; k < b.length; k++) if (b[k] === 0x80 && (k === 0 || !(b[k - 1]! & 0x80))) fail(invalid);
    out.push(der);
  }
  return out;
}

/** An OID as the hex of its DER contents (Go compares policy OIDs by DER bytes). */
export const ANY_POLICY_DER = '551d2000';

function parsePolicyMappings(value: Uint8Array): PolicyMapping[] {
  const invalid = 'x509: invalid policy mappings extension';
  const c = firstElement(value, TAG.SEQUENCE, invalid);
  const out: PolicyMapping[] = [];
  while (!c.empty()) {
    const s = c.read(TAG.SEQUENCE);
    const sc = s ? Cursor.over(s) : undefined;
    const i = sc?.read(TAG.OID);
    const j = i ? sc!.read(TAG.OID) : undefined;
    if (!i || !j) fail(invalid);
    out.push({ issuerDomainPolicy: Buffer.from(contents(i!)).toString('hex'), subjectDomainPolicy: Buffer.from(contents(j!)).toString('hex') });
  }
  return out;
}

/** `ReadASN1Int64WithTag` for the [0]/[1] fields of policyConstraints. */
function policyConstraintField(c: Cursor, tag: number, name: string): number | undefined {
  if (!c.peek(tag)) return undefined;
  const t = c.any();
  const v = t ? attempt(() => decodeInt64({ ...t, tag: TAG.INTEGER })) : undefined;
  if (v === undefined) fail('x509: invalid policy constraints extension');
  if (v! < -(2n ** 63n) || v! >= 2n ** 63n) fail(`x509: policy constraints ${name} field overflows int`);
  return Number(v);
}

/** Go ParseCertificate. */
export function parseCertificate(der: Uint8Array): Certificate {
  try {
    return parseCertificateInner(new Uint8Array(der));
  } catch (e) {
    if (e instanceof X509Error) throw e;
    if (e instanceof KeyParseError) throw new X509Error(e.message);
    throw e;
  }
}

function parseCertificateInner(raw: Uint8Array): Certificate {
  const input = Cursor.of(raw);
  const certT = input.read(TAG.SEQUENCE);
  if (!certT) fail('x509: malformed certificate');
  const outer = Cursor.over(certT!);
  const tbsT = outer.read(TAG.SEQUENCE);
  if (!tbsT) fail('x509: malformed tbs certificate');
  const tbs = Cursor.over(tbsT!);

  let version = 0;
  if (tbs.peek(0xa0)) {
    const vT = tbs.any();
    const inner = vT ? Cursor.over(vT) : undefined;
    const intT = inner?.read(TAG.INTEGER);
    const v = intT ? attempt(() => decodeInt64(intT)) : undefined;
    if (v === undefined) fail('x509: malformed version');
    if (v! < 0n) fail('x509: malformed version');
    version = v! > 10n ? 10 : Number(v);
  }
  version++;
  if (version > 3) fail('x509: invalid version');

  const serialT = tbs.read(TAG.INTEGER);
  const serial = serialT ? attempt(() => decodeSignedBig(contents(serialT))) : undefined;
  if (serial === undefined) fail('x509: malformed serial number');
  // Go 1.23+ refuses negative serials unless GODEBUG x509negativeserial=1 — which is the default for a main module
  // whose go.mod says go < 1.23, as skopeo 1.18's does: c/image accepts them (checked against the oracle).

  const sigAIT = tbs.read(TAG.SEQUENCE);
  if (!sigAIT) fail('x509: malformed signature algorithm identifier');
  const outerAIT = outer.read(TAG.SEQUENCE);
  if (!outerAIT) fail('x509: malformed algorithm identifier');
  if (!Buffer.from(contents(outerAIT!)).equals(Buffer.from(contents(sigAIT!)))) {
    fail("x509: inner and outer signature algorithm identifiers don't match");
  }
  const sigAI = parseAI(sigAIT!);

  const issuerT = tbs.read(TAG.SEQUENCE);
  if (!issuerT) fail('x509: malformed issuer');
  parseName(issuerT!);
  const validityT = tbs.read(TAG.SEQUENCE);
  if (!validityT) fail('x509: malformed validity');
  const vc = Cursor.over(validityT!);
  const notBefore = parseTime(vc);
  const notAfter = parseTime(vc);
  const subjectT = tbs.read(TAG.SEQUENCE);
  if (!subjectT) fail('x509: malformed issuer'); // sic: Go's text for the subject too
  const { cn, o } = parseName(subjectT!);

  const spkiT = tbs.read(TAG.SEQUENCE);
  if (!spkiT) fail('x509: malformed spki');
  const sc = Cursor.over(spkiT!);
  const pkAIT = sc.read(TAG.SEQUENCE);
  if (!pkAIT) fail('x509: malformed public key algorithm identifier');
  parseAI(pkAIT!);
  const spkT = sc.read(TAG.BIT_STRING);
  if (!spkT || attempt(() => decodeBitString(spkT)) === undefined) fail('x509: malformed subjectPublicKey');
  let publicKey: PublicKey | undefined;
  try {
    publicKey = parsePKIXPublicKey(whole(spkiT!));
  } catch (e) {
    if (!(e instanceof KeyParseError) || e.message !== 'x509: unknown public key algorithm') throw e;
  }

  const extensions: Extension[] = [];
  // Go reads issuer/subject unique IDs and extensions only from v2/v3 certificates, and extensions only from v3:
  // a v1 certificate's extensions block is never looked at.
  if (version > 1) {
    if (!tbs.optional(0x81).ok) fail('x509: malformed issuerUniqueID');
    if (!tbs.optional(0x82).ok) fail('x509: malformed subjectUniqueID');
    if (version === 3) {
      const e = tbs.optional(0xa3);
      if (!e.ok) fail('x509: malformed extensions');
      if (e.t) {
        const seq = Cursor.over(e.t).read(TAG.SEQUENCE);
        if (!seq) fail('x509: malformed extensions');
        const ec = Cursor.over(seq!);
        const seen = new Set<string>();
        while (!ec.empty()) {
          const extT = ec.read(TAG.SEQUENCE);
          if (!extT) fail('x509: malformed extension');
          const ext = parseExtension(extT!);
          if (seen.has(ext.oid)) fail(`x509: certificate contains duplicate extension with OID ${goQuote(ext.oid)}`);
          seen.add(ext.oid);
          extensions.push(ext);
        }
      }
    }
  }

  const sigT = outer.read(TAG.BIT_STRING);
  const sigBits = sigT ? attempt(() => decodeBitString(sigT)) : undefined;
  if (!sigBits) fail('x509: malformed signature');
  if (certT!.end !== raw.length) fail('x509: trailing data');

  return {
    raw,
    tbs: whole(tbsT!),
    signatureAlgorithm: sigAI.oid,
    ...(sigAI.params ? { signatureAlgorithmParams: sigAI.params } : {}),
    signature: rightAlign(sigBits!),
    version,
    serial: serial!,
    rawIssuer: whole(issuerT!),
    rawSubject: whole(subjectT!),
    subjectCommonName: cn,
    subjectOrganization: o,
    notBefore: notBefore.date,
    notAfter: notAfter.date,
    validity: { notBefore, notAfter },
    spki: whole(spkiT!),
    ...(publicKey ? { publicKey } : {}),
    extensions,
    ...processExtensions(extensions),
  };
}

type ExtensionFacts = Omit<
  Certificate,
  | 'raw' | 'tbs' | 'signatureAlgorithm' | 'signatureAlgorithmParams' | 'signature' | 'version' | 'serial' | 'rawIssuer'
  | 'rawSubject' | 'subjectCommonName' | 'subjectOrganization' | 'notBefore' | 'notAfter' | 'validity' | 'spki' | 'publicKey' | 'extensions'
>;

/** Go processExtensions. */
function processExtensions(extensions: readonly Extension[]): ExtensionFacts {
  let basicConstraintsValid = false;
  let isCA = false;
  let maxPathLen = -1;
  let keyUsage = 0;
  const extKeyUsage: string[] = [];
  let subjectKeyId: Uint8Array = new Uint8Array();
  let authorityKeyId: Uint8Array = new Uint8Array();
  let names: SANs = { dns: [], email: [], ip: [], uri: [] };
  let sanExtension: Extension | undefined;
  let nameConstraints: NameConstraints | undefined;
  let policies: string[] = [];
  let policyMappings: PolicyMapping[] = [];
  let requireExplicitPolicy: number | undefined;
  let inhibitPolicyMapping: number | undefined;
  let inhibitAnyPolicy: number | undefined;
  const unhandledCriticalExtensions: string[] = [];
  for (const e of extensions) {
    let unhandled = false;
    const m = /^2\.5\.29\.(\d+)$/.exec(e.oid);
    if (m) {
      switch (+m[1]!) {
        case 15: {
          const t = Cursor.of(e.value).read(TAG.BIT_STRING);
          const bs = t ? attempt(() => decodeBitString(t)) : undefined;
          if (!bs) fail('x509: invalid key usage');
          keyUsage = 0;
          for (let bit = 0; bit < 9; bit++) {
            if (bit < bs!.bitLength && bs!.bytes[bit >> 3]! & (0x80 >> (bit & 7))) keyUsage |= 1 << bit;
          }
          break;
        }
        case 19: {
          const c = firstElement(e.value, TAG.SEQUENCE, 'x509: invalid basic constraints');
          isCA = false;
          if (c.peek(TAG.BOOLEAN)) {
            const b = c.any();
            const v = b ? attempt(() => decodeBoolean(b)) : undefined;
            if (v === undefined) fail('x509: invalid basic constraints');
            isCA = v!;
          }
          maxPathLen = -1;
          if (c.peek(TAG.INTEGER)) {
            const t = c.any();
            // Go 1.24 reads it into an int: minimal, at most 8 octets, and a negative value is kept (and then means
            // "no limit", as -1 does). Later Go versions read a uint instead.
            const v = t ? attempt(() => decodeInt64(t)) : undefined;
            if (v === undefined) fail('x509: invalid basic constraints');
            maxPathLen = Number(v);
          }
          basicConstraintsValid = true;
          break;
        }
        case 17:
          names = parseSANExtension(e.value);
          sanExtension = e;
          if (names.dns.length + names.email.length + names.ip.length + names.uri.length === 0) unhandled = true;
          break;
        case 30: {
          const r = parseNameConstraintsExtension(e);
          nameConstraints = r.nc;
          unhandled = r.unhandled;
          break;
        }
        case 31:
          parseCRLDistributionPoints(e.value);
          break;
        case 35: {
          if (e.critical) fail('x509: authority key identifier incorrectly marked critical');
          const akid = Cursor.of(e.value).read(TAG.SEQUENCE);
          if (!akid) fail('x509: invalid authority key identifier');
          const ac = Cursor.over(akid!);
          authorityKeyId = new Uint8Array();
          if (ac.peek(0x80)) {
            const k = ac.any();
            if (!k) fail('x509: invalid authority key identifier');
            authorityKeyId = new Uint8Array(contents(k!));
          }
          break;
        }
        case 36: {
          const c = firstElement(e.value, TAG.SEQUENCE, 'x509: invalid policy constraints extension');
          requireExplicitPolicy = policyConstraintField(c, 0x80, 'requireExplicitPolicy');
          inhibitPolicyMapping = policyConstraintField(c, 0x81, 'inhibitPolicyMapping');
          break;
        }
        case 37: {
          const c = firstElement(e.value, TAG.SEQUENCE, 'x509: invalid extended key usages');
          extKeyUsage.length = 0;
          while (!c.empty()) {
            const t = c.read(TAG.OID);
            const id = t ? attempt(() => decodeOID(t)) : undefined;
            if (id === undefined) fail('x509: invalid extended key usages');
            extKeyUsage.push(id!);
          }
          break;
        }
        case 14: {
          if (e.critical) fail('x509: subject key identifier incorrectly marked critical');
          const t = Cursor.of(e.value).read(TAG.OCTET_STRING);
          if (!t) fail('x509: invalid subject key identifier');
          subjectKeyId = new Uint8Array(contents(t!));
          break;
        }
        case 32:
          policies = parseCertificatePolicies(e.value);
          break;
        case 33:
          policyMappings = parsePolicyMappings(e.value);
          break;
        case 54: {
          const t = Cursor.of(e.value).read(TAG.INTEGER);
          const v = t ? attempt(() => decodeInt64(t)) : undefined;
          if (v === undefined) fail('x509: invalid inhibit any policy extension');
          inhibitAnyPolicy = Number(v);
          break;
        }
        default:
          unhandled = true;
      }
    } else if (e.oid === OID.AUTHORITY_INFO_ACCESS) {
      if (e.critical) fail('x509: authority info access incorrectly marked critical');
      parseAuthorityInfoAccess(e.value);
    } else {
      unhandled = true;
    }
    if (e.critical && unhandled) unhandledCriticalExtensions.push(e.oid);
  }
  return {
    basicConstraintsValid, isCA, maxPathLen, keyUsage, extKeyUsage, subjectKeyId, authorityKeyId,
    dnsNames: names.dns, emailAddresses: names.email, ipAddresses: names.ip, uris: names.uri,
    ...(sanExtension ? { sanExtension } : {}),
    unhandledCriticalExtensions,
    ...(nameConstraints ? { nameConstraints } : {}),
    policies, policyMappings,
    ...(requireExplicitPolicy !== undefined ? { requireExplicitPolicy } : {}),
    ...(inhibitPolicyMapping !== undefined ? { inhibitPolicyMapping } : {}),
    ...(inhibitAnyPolicy !== undefined ? { inhibitAnyPolicy } : {}),
  };
}

function parseCRLDistributionPoints(value: Uint8Array): void {
  const c = firstElement(value, TAG.SEQUENCE, 'x509: invalid CRL distribution points');
  const bad = 'x509: invalid CRL distribution point';
  while (!c.empty()) {
    const dp = c.read(TAG.SEQUENCE);
    if (!dp) fail(bad);
    const dc = Cursor.over(dp!);
    const name = dc.optional(0xa0);
    if (!name.ok) fail(bad);
    if (!name.t) continue;
    const full = Cursor.over(name.t).read(0xa0);
    if (!full) fail(bad);
    const fc = Cursor.over(full!);
    while (!fc.empty()) {
      if (!fc.peek(0x86)) break;
      if (!fc.any()) fail(bad);
    }
  }
}

function parseAuthorityInfoAccess(value: Uint8Array): void {
  const bad = 'x509: invalid authority info access';
  const c = firstElement(value, TAG.SEQUENCE, bad);
  while (!c.empty()) {
    const a = c.read(TAG.SEQUENCE);
    if (!a) fail(bad);
    const ac = Cursor.over(a!);
    const m = ac.read(TAG.OID);
    if (!m || attempt(() => decodeOID(m)) === undefined) fail(bad);
    if (!ac.peek(0x86)) continue;
    if (!ac.any()) fail(bad);
  }
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
