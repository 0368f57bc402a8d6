/**
 * Go 1.24's Certificate.Verify and VerifyHostname (crypto/x509/verify.go; skopeo 1.18's Go), for the chains c/image
 * builds: path building to a root pool, the validity of *every* path element at one instant (Go's zero time meaning
 * "now"), basic constraints, path length, name constraints (with Go's RFC 2821 mailbox parser and URL parser), the
 * certificate-policy check Go 1.24 added (policies.ts), and the Extended Key Usage walk — each with Go's error text.
 *
 * Why not OpenSSL's verifier (or node's `X509Certificate.checkIssued`)? The decisions differ in places that matter
 * for "would CRI-O accept this": Go trusts any certificate in the roots set without requiring it to be
 * self-signed, ignores key-usage bits except certSign, and words its errors its own way. node:crypto is used only
 * for the cryptography (signature checks).
 */
import { verify as nodeVerify, constants } from 'node:crypto';
import { children, contents, decodeOID, formatRFC3339, parseOne, type TLV, type ZonedTime } from '../../encoding/asn1.js';
import { goQuote } from '../../fmt.js';
import { parseURL } from '../../net/url.js';
import type { PublicKey } from '../keys.js';
import { domainToReverseLabels, parseRFC2821Mailbox, type Mailbox } from './names.js';
import { NAME_TYPE, OID, forEachSAN, isGoIP, type Certificate, type IPNet } from './parser.js';
import { policiesValid } from './policies.js';

const KEY_USAGE_CERT_SIGN = 1 << 5;

const rfc3339 = (t: ZonedTime) => formatRFC3339(t);
/** Go's zero time.Time (0001-01-01T00:00:00Z): as VerifyOptions.CurrentTime it means "now". */
export const GO_ZERO_TIME_MS = -62135596800000;
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
  // Go's crypto/rsa refuses some keys OpenSSL verifies with (an exponent of 1 makes every padded hash a signature).
  if (pk.unusable !== undefined) return pk.unusable;
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

const UNIMPLEMENTED = 'x509: cannot verify signature: algorithm unimplemented';
const PSS_HASHES: Record<string, { hash: string; saltLength: number }> = {
  '2.16.840.1.101.3.4.2.1': { hash: 'sha256', saltLength: 32 },
  '2.16.840.1.101.3.4.2.2': { hash: 'sha384', saltLength: 48 },
  '2.16.840.1.101.3.4.2.3': { hash: 'sha512', saltLength: 64 },
};
const OID_MGF1 = '1.2.840.113549.1.1.8';

/**
 * Go getSignatureAlgorithmFromAI for RSASSA-PSS: the parameters must be exactly one of three buckets — hash
 * SHA-256/384/512 (parameters absent or NULL), MGF1 over the same hash, salt length equal to the hash length,
 * trailer field 1 — or the algorithm is unknown ("algorithm unimplemented"), however the signature itself verifies.
 */
function pssParameters(params: Uint8Array | undefined): { hash: string; saltLength: number } | undefined {
  if (!params) return undefined;
  const absentOrNull = (rest: readonly TLV[]) =>
    rest.length === 0 || (rest.length === 1 && rest[0]!.tag === 0x05 && rest[0]!.end === rest[0]!.contentStart);
  const algorithmIdentifier = (explicit: TLV) => {
    const ai = children(parseOne(contents(explicit)));
    return { oid: decodeOID(ai[0]!), rest: ai.slice(1) };
  };
  const fields = children(parseOne(params));
  let i = 0;
  const take = (tag: number) => (fields[i]?.tag === tag ? fields[i++] : undefined);
  const hashF = take(0xa0);
  const mgfF = take(0xa1);
  const saltF = take(0xa2);
  const trailerF = take(0xa3);
  if (!hashF || !mgfF || !saltF || i !== fields.length) return undefined;
  const hash = algorithmIdentifier(hashF);
  if (!absentOrNull(hash.rest)) return undefined;
  const mgf = algorithmIdentifier(mgfF);
  if (mgf.oid !== OID_MGF1 || mgf.rest.length !== 1) return undefined;
  const mgfHashAI = children(mgf.rest[0]!);
  if (decodeOID(mgfHashAI[0]!) !== hash.oid || !absentOrNull(mgfHashAI.slice(1))) return undefined;
  const int = (f: TLV) => {
    const b = contents(parseOne(contents(f)));
    return b.length === 0 || b.length > 6 ? NaN : Number(BigInt.asIntN(b.length * 8, BigInt('0x' + Buffer.from(b).toString('hex'))));
  };
  if (trailerF && int(trailerF) !== 1) return undefined;
  const bucket = PSS_HASHES[hash.oid];
  return bucket && int(saltF) === bucket.saltLength ? bucket : undefined;
}

function checkPSS(child: Certificate, pk: PublicKey): string | undefined {
  let bucket: { hash: string; saltLength: number } | undefined;
  try {
    bucket = pssParameters(child.signatureAlgorithmParams);
  } catch {
    bucket = undefined; // Go: the parameters do not unmarshal, so the algorithm is unknown
  }
  if (!bucket) return UNIMPLEMENTED;
  if (pk.kind !== 'rsa') return `x509: signature algorithm specifies an RSA public key, but have public key of type ${KEY_TYPE_NAMES[pk.kind]}`;
  if (pk.unusable !== undefined) return pk.unusable;
  try {
    if (nodeVerify(bucket.hash, child.tbs, { key: pk.keyObject!, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: bucket.saltLength }, child.signature)) return undefined;
  } catch {
    /* fall through */
  }
  return 'crypto/rsa: verification error';
}

export interface VerifyOptions {
  readonly roots: readonly Certificate[];
  readonly intermediates: readonly Certificate[];
  /** Go VerifyOptions.CurrentTime; Go's zero time (GO_ZERO_TIME_MS) means `systemTime`. */
  readonly currentTime: Date;
  /** The machine's clock, used where Go would call time.Now(). */
  readonly systemTime: Date;
  /** Required EKU OIDs (c/image: codeSigning). */
  readonly keyUsages: readonly string[];
}

type CertType = 'leaf' | 'intermediate' | 'root';

class ConstraintError extends Error {}

/** Go matchDomainConstraint (Go 1.24). */
function matchDomainConstraint(domain: string, constraint: string): boolean {
  if (constraint.length === 0) return true;
  const d = domainToReverseLabels(domain);
  if (!d) throw new ConstraintError(`x509: internal error: cannot parse domain ${goQuote(domain)}`);
  let mustHaveSubdomains = false;
  if (constraint[0] === '.') {
    mustHaveSubdomains = true;
    constraint = constraint.slice(1);
  }
  const c = domainToReverseLabels(constraint);
  if (!c) throw new ConstraintError(`x509: internal error: cannot parse domain ${goQuote(constraint)}`);
  if (d.length < c.length || (mustHaveSubdomains && d.length === c.length)) return false;
  return c.every((l, i) => equalFold(l, d[i]!));
}

/** strings.EqualFold for ASCII-only labels (domain labels are bytes 33–126). */
const equalFold = (a: string, b: string) => a.length === b.length && a.toLowerCase() === b.toLowerCase();

function matchEmailConstraint(mailbox: Mailbox, constraint: string): boolean {
  if (constraint.includes('@')) {
    const c = parseRFC2821Mailbox(constraint);
    if (!c) throw new ConstraintError(`x509: internal error: cannot parse constraint ${goQuote(constraint)}`);
    return mailbox.local === c.local && equalFold(mailbox.domain, c.domain);
  }
  return matchDomainConstraint(mailbox.domain, constraint);
}

/** Go net.SplitHostPort, as far as matchURIConstraint needs it (host part or Go's error text). */
function splitHostPort(hostport: string): string {
  const missingPort = `address ${hostport}: missing port in address`;
  const tooMany = `address ${hostport}: too many colons in address`;
  const i = hostport.lastIndexOf(':');
  if (i < 0) throw new ConstraintError(missingPort);
  if (hostport[0] === '[') {
    const end = hostport.indexOf(']');
    if (end < 0) throw new ConstraintError(`address ${hostport}: missing ']' in address`);
    if (end + 1 === hostport.length) throw new ConstraintError(missingPort);
    if (end + 1 !== i) throw new ConstraintError(hostport[end + 1] === ':' ? tooMany : `address ${hostport}: missing port in address`);
    const host = hostport.slice(1, end);
    if (hostport.slice(end + 1).indexOf('[') >= 0 || hostport.slice(end + 1).indexOf(']') >= 0) throw new ConstraintError(`address ${hostport}: unexpected ']' in address`);
    return host;
  }
  const host = hostport.slice(0, i);
  if (host.includes(':')) throw new ConstraintError(tooMany);
  if (host.includes('[')) throw new ConstraintError(`address ${hostport}: unexpected '[' in address`);
  if (host.includes(']')) throw new ConstraintError(`address ${hostport}: unexpected ']' in address`);
  return host;
}

function matchURIConstraint(uri: string, constraint: string): boolean {
  let host = parseURL(uri).host;
  if (host.length === 0) throw new ConstraintError(`URI with empty host (${goQuote(uri)}) cannot be matched against constraints`);
  if (host.includes(':') && !host.endsWith(']')) host = splitHostPort(host);
  if (isGoIP(host) || (host.startsWith('[') && host.endsWith(']'))) {
    throw new ConstraintError(`URI with IP (${goQuote(uri)}) cannot be matched against constraints`);
  }
  return matchDomainConstraint(host, constraint);
}

function ipString(ip: Uint8Array): string {
  if (ip.length === 4) return [...ip].join('.');
  if (ip.subarray(0, 10).every((b) => b === 0) && ip[10] === 0xff && ip[11] === 0xff) return [...ip.subarray(12)].join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((ip[i]! << 8) | ip[i + 1]!);
  // Go: the longest run of two or more zero groups becomes "::" (the first such run on ties).
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

function maskBits(mask: Uint8Array): number {
  let n = 0;
  for (const b of mask) for (let k = 7; k >= 0; k--) if (b & (1 << k)) n++;
  return n;
}

const ipNetString = (n: IPNet) => `${ipString(n.ip)}/${maskBits(n.mask)}`;

function matchIPConstraint(ip: Uint8Array, n: IPNet): boolean {
  // Go: an IPv4 SAN never matches an IPv6 constraint and vice versa (lengths compared after To4 / To16).
  if (ip.length !== n.ip.length) return false;
  return [...ip].every((b, i) => (b & n.mask[i]!) === (n.ip[i]! & n.mask[i]!));
}

const MAX_CONSTRAINT_COMPARISONS = 250_000;

/** The name-constraint step of Go's isValid for one CA certificate over the SANs of the chain below it. */
function checkChainNameConstraints(ca: Certificate, chain: readonly Certificate[]): string | undefined {
  const nc = ca.nameConstraints;
  if (!nc) return undefined;
  const lists = [nc.permittedDNS, nc.excludedDNS, nc.permittedEmail, nc.excludedEmail, nc.permittedURI, nc.excludedURI, nc.permittedIP, nc.excludedIP];
  if (lists.every((l) => l.length === 0)) return undefined;
  const notAuthorized = (detail: string) => `x509: a root or intermediate certificate is not authorized to sign for this name: ${detail}`;
  let count = 0;
  const check = <N, C>(nameType: string, name: string, parsed: N, match: (p: N, c: C) => boolean, permitted: readonly C[], excluded: readonly C[], show: (c: C) => string): string | undefined => {
    count += excluded.length;
    if (count > MAX_CONSTRAINT_COMPARISONS) return 'x509: too many constraints';
    try {
      for (const c of excluded) if (match(parsed, c)) return notAuthorized(`${nameType} ${goQuote(name)} is excluded by constraint ${goQuote(show(c))}`);
      count += permitted.length;
      if (count > MAX_CONSTRAINT_COMPARISONS) return 'x509: too many constraints';
      if (permitted.length > 0 && !permitted.some((c) => match(parsed, c))) return notAuthorized(`${nameType} ${goQuote(name)} is not permitted by any constraint`);
    } catch (e) {
      if (e instanceof ConstraintError) return notAuthorized(e.message);
      throw e;
    }
    return undefined;
  };
  const id = (c: string) => c;
  for (const c of chain) {
    if (!c.sanExtension) continue;
    let err: string | undefined;
    forEachSAN(c.sanExtension.value, (type, data) => {
      if (err) return;
      const name = Buffer.from(data).toString('latin1');
      switch (type) {
        case NAME_TYPE.EMAIL: {
          const mb = parseRFC2821Mailbox(name);
          // Go formats the zero rfc2821Mailbox struct with %q here, not the name.
          if (!mb) err = 'x509: cannot parse rfc822Name {"" ""}';
          else err = check('email address', name, mb, matchEmailConstraint, nc.permittedEmail, nc.excludedEmail, id);
          break;
        }
        case NAME_TYPE.DNS:
          if (!domainToReverseLabels(name)) err = `x509: cannot parse dnsName ${goQuote(name)}`;
          else err = check('DNS name', name, name, matchDomainConstraint, nc.permittedDNS, nc.excludedDNS, id);
          break;
        case NAME_TYPE.URI:
          try {
            parseURL(name);
          } catch {
            err = `x509: internal error: URI SAN ${goQuote(name)} failed to parse`;
            break;
          }
          err = check('URI', name, name, matchURIConstraint, nc.permittedURI, nc.excludedURI, id);
          break;
        case NAME_TYPE.IP:
          err = check('IP address', ipString(data), data, matchIPConstraint, nc.permittedIP, nc.excludedIP, ipNetString);
          break;
      }
    });
    if (err) return err;
  }
  return undefined;
}

/** Go Certificate.isValid. */
function isValid(c: Certificate, certType: CertType, chain: readonly Certificate[], opts: VerifyOptions): string | undefined {
  if (c.unhandledCriticalExtensions.length > 0) return 'x509: unhandled critical extension';
  if (chain.length > 0 && !bytesEq(chain[chain.length - 1]!.rawIssuer, c.rawSubject)) {
    return 'x509: issuer name does not match subject from issuing certificate';
  }
  const now = opts.currentTime.getTime() === GO_ZERO_TIME_MS ? opts.systemTime : opts.currentTime;
  const nowZ: ZonedTime = { date: now, offsetMinutes: 0 };
  if (now.getTime() < c.notBefore.getTime()) {
    return `x509: certificate has expired or is not yet valid: current time ${rfc3339(nowZ)} is before ${rfc3339(c.validity.notBefore)}`;
  }
  if (now.getTime() > c.notAfter.getTime()) {
    return `x509: certificate has expired or is not yet valid: current time ${rfc3339(nowZ)} is after ${rfc3339(c.validity.notAfter)}`;
  }
  if (certType !== 'leaf') {
    const nc = checkChainNameConstraints(c, chain);
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

/**
 * Go buildChains. As in Go, the error of the *last* candidate that got past its signature check (its isValid
 * failure, or the failure one level up) is what is reported; only when no candidate got that far is it "signed by
 * unknown authority", with the first candidate's failure as the hint.
 */
function buildChains(chain: Certificate[], counter: { n: number }, opts: VerifyOptions): { chains: Certificate[][]; error?: string } {
  const c = chain[chain.length - 1]!;
  const chains: Certificate[][] = [];
  let hint: { err: string; cert: Certificate } | undefined;
  let err: string | undefined;
  const consider = (type: CertType, cand: Certificate) => {
    if (!cand.publicKey || alreadyInChain(cand, chain)) return;
    if (++counter.n > MAX_SIGNATURE_CHECKS) {
      err = 'x509: signature check attempts limit reached while verifying certificate chain';
      return;
    }
    const sigErr = checkSignatureFrom(c, cand);
    if (sigErr) {
      hint ??= { err: sigErr, cert: cand };
      return;
    }
    err = isValid(cand, type, chain, opts);
    if (err) {
      hint ??= { err, cert: cand };
      return;
    }
    if (type === 'root') chains.push([...chain, cand]);
    else {
      const sub = buildChains([...chain, cand], counter, opts);
      err = sub.error;
      chains.push(...sub.chains);
    }
  };
  for (const r of findPotentialParents(opts.roots, c)) consider('root', r);
  for (const r of findPotentialParents(opts.intermediates, c)) consider('intermediate', r);
  if (chains.length > 0) return { chains };
  if (err === undefined) {
    err = 'x509: certificate signed by unknown authority';
    if (hint) err += ` (possibly because of ${goQuote(hint.err)} while trying to verify candidate authority certificate ${goQuote(certName(hint.cert))})`;
  }
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
  // Go 1.24 added certificate-policy validation to Verify.
  const withValidPolicies = candidates.filter((ch) => policiesValid(ch));
  const invalidPolicies = candidates.length - withValidPolicies.length;
  if (withValidPolicies.length === 0) return 'x509: no valid chains built: all candidate chains have invalid policies';
  if (opts.keyUsages.includes(OID.EKU_ANY)) return undefined;
  const incompatible = withValidPolicies.filter((ch) => !chainAllowsKeyUsage(ch, opts.keyUsages)).length;
  if (incompatible < withValidPolicies.length) return undefined;
  if (invalidPolicies === 0) return 'x509: certificate specifies an incompatible key usage';
  return `x509: no valid chains built: ${incompatible} chains with incompatible key usage, ${invalidPolicies} chains with invalid policies`;
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

