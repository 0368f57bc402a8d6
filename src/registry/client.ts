import { createHash } from 'node:crypto';
import { ImageSourceError } from '../errors.js';
import { LIMITS } from '../limits.js';
import type { Trace } from '../trace.js';
import { goQuote } from '../go/fmt.js';
import { headerBytesAsUTF8 } from '../go/mime.js';
import { redacted } from '../go/net/url.js';
import { MANIFEST_ACCEPT, OCI_INDEX, validateDigest } from '../manifest/index.js';
import { RegistryAuth } from './auth.js';
import type { Credentials } from './credentials.js';
import { statusText } from './errors.js';
import { decodeExtensionSignatureList } from './go-documents.js';
import { headerValue, simplifyContentType } from './http.js';
import { pingRegistry } from './ping.js';
import type { PingResult } from './pool.js';
import { dump, RegistryRequester, type RegistryResponse, type RequestConfig } from './request.js';
import { Secrets } from './secrets.js';

/**
 * A distribution v2 / OCI registry client for one repository, shaped after c/image's dockerClient:
 *  - a `GET /v2/` ping first (https; with `tlsVerify=false` unverified https, then plain http), which also collects
 *    the auth challenges (ping.ts);
 *  - Basic, or Bearer tokens for scope `repository:NAME:pull` fetched from the challenge's realm and cached with
 *    their lifetime (min 60 s) — one token per registry+repository for the life of the client (auth.ts);
 *  - bounded retries with backoff for 429 (c/image) and 5xx (our addition, see RETRYABLE) on body-less requests;
 *  - size limits on every body read, a per-request timeout and the image's deadline (both cancel everything,
 *    retries and token requests included);
 *  - redirects followed on every request as Go's http.Client follows them (at most 10; 301/302/303 turn a POST
 *    into a GET), with credentials never sent to another origin (stricter than Go, which sends them to the same
 *    host on another port or to a subdomain) (request.ts);
 *  - gzip asked for and decoded as Go's transport does (see http.ts).
 * Secrets (passwords, tokens, Authorization headers) never reach trace events or error messages (secrets.ts).
 */

export interface RegistryClientConfig extends RequestConfig {
  /** The reference's domain (`docker.io`, `127.0.0.1:5000`); the client talks to `registry-1.docker.io` for docker.io. */
  domain: string;
  /** Repository path without the domain (`library/busybox`). */
  repository: string;
  credentials: Credentials;
}

export class RegistryClient {
  /** `registry-1.docker.io` for docker.io, else the domain. */
  readonly registry: string;
  private scheme: 'https' | 'http' = 'https';
  /** X-Registry-Supports-Signatures: 1 (OpenShift-style signature API instead of a lookaside). */
  supportsSignatures = false;
  private pingPromise: Promise<void> | undefined;
  /** Strings that must never appear in a trace event or an error message. */
  private readonly secrets: Secrets;
  private readonly requester: RegistryRequester;
  private readonly auth: RegistryAuth;
  private readonly debug: (message: string, data?: Record<string, unknown>) => void;

  constructor(private readonly cfg: RegistryClientConfig) {
    this.registry = cfg.domain === 'docker.io' ? 'registry-1.docker.io' : cfg.domain;
    this.secrets = new Secrets(cfg.credentials);
    this.debug = this.secrets.debugTo(cfg.trace);
    this.requester = new RegistryRequester(cfg, this.secrets);
    this.auth = new RegistryAuth({ ...cfg, registry: this.registry }, this.secrets, this.requester);
  }

  get name(): string {
    return `${this.cfg.domain}/${this.cfg.repository}`;
  }

  // ---------------------------------------------------------------- public operations

  /** c/image fetchManifest. `maxBytes` defaults to the manifest limit. */
  async fetchManifest(
    tagOrDigest: string,
    maxBytes: number = LIMITS.maxManifestBytes,
    trace?: Trace,
  ): Promise<{ bytes: Uint8Array; mimeType: string; dockerContentDigest?: string }> {
    const debug = this.debugTo(trace);
    const res = await this.makeRequest('GET', `/v2/${this.cfg.repository}/manifests/${tagOrDigest}`, { accept: MANIFEST_ACCEPT.join(', ') }, debug);
    // Go reads header bytes as UTF-8 (Node hands them over as latin1).
    const contentType = headerBytesAsUTF8(headerValue(res.headers, 'content-type') ?? '');
    debug(`Content-Type from manifest GET is ${goQuote(contentType)}`);
    if (res.statusCode !== 200) {
      const err = await this.requester.responseError(res);
      throw this.secrets.wrap(err, `reading manifest ${tagOrDigest} in ${this.name}: `);
    }
    const bytes = await this.requester.readBody(res, maxBytes);
    const dcd = headerValue(res.headers, 'docker-content-digest');
    return { bytes, mimeType: simplifyContentType(contentType), ...(dcd ? { dockerContentDigest: dcd } : {}) };
  }

  /** Whether a manifest exists (HEAD); used only for the opt-in disabled-attachments hint. */
  async manifestExists(tagOrDigest: string): Promise<boolean> {
    const res = await this.makeRequest('HEAD', `/v2/${this.cfg.repository}/manifests/${tagOrDigest}`, { accept: MANIFEST_ACCEPT.join(', ') });
    await dump(res);
    return res.statusCode === 200;
  }

  /**
   * c/image getOCIDescriptorContents: the blob by digest, at most `maxBytes`, and it must hash to the digest.
   * Blob redirects (to object storage) are followed; credentials only go to the registry's own origin.
   */
  async fetchBlob(digest: string, maxBytes: number, trace?: Trace, urls: readonly string[] = []): Promise<Uint8Array> {
    const algorithm = validateDigest(digest, (msg) => `invalid digest ${goQuote(digest)}: ${msg}`);
    const debug = this.debugTo(trace);
    let res = urls.length > 0 ? await this.externalBlob(urls, debug) : undefined;
    if (res === undefined) {
      debug(`Downloading /v2/${this.cfg.repository}/blobs/${digest}`);
      res = await this.makeRequest('GET', `/v2/${this.cfg.repository}/blobs/${digest}`, {}, debug);
      if (res.statusCode !== 200) {
        const err = await this.requester.responseError(res);
        throw this.secrets.wrap(err, 'fetching blob: ');
      }
    }
    let payload: Uint8Array;
    try {
      payload = await this.requester.readBody(res, maxBytes);
    } catch (e) {
      throw new ImageSourceError(`reading blob ${digest} in ${this.name}: ${(e as Error).message}`);
    }
    const actual = `${algorithm}:${createHash(algorithm).update(payload).digest('hex')}`;
    if (actual !== digest) throw new ImageSourceError(`digest mismatch, expected ${goQuote(digest)}, got ${goQuote(actual)}`);
    return payload;
  }

  /**
   * c/image getExternalBlob: a descriptor's `urls` are tried in order, without credentials (CVE-2020-15157); the
   * first 200 is the blob. URLs that do not parse or are not http(s) are skipped, and only when every URL was
   * skipped does the registry serve the blob; any failed attempt with none succeeding is the error.
   */
  private async externalBlob(urls: readonly string[], debug: (line: string) => void): Promise<RegistryResponse | undefined> {
    const errors: string[] = [];
    for (const u of urls) {
      let url: URL;
      try {
        url = new URL(u);
      } catch {
        continue;
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') continue;
      let res: RegistryResponse;
      try {
        res = await this.requester.requestWithRetries('GET', url, {}, undefined, debug);
      } catch (e) {
        errors.push((e as Error).message);
        continue;
      }
      if (res.statusCode !== 200) {
        await dump(res);
        // c/image newUnexpectedHTTPStatusError: `<code> (<status text>)`.
        const msg = `error fetching external blob from ${goQuote(u)}: ${res.statusCode} (${statusText(res.statusCode)})`;
        debug(msg);
        errors.push(msg);
        continue;
      }
      return res;
    }
    if (errors.length === 0) return undefined;
    throw new ImageSourceError(this.secrets.scrub(`failed fetching external blob from all urls: ${errors.join(', ')}`));
  }

  /**
   * OCI 1.1 referrers API (`GET /v2/<name>/referrers/<digest>[?artifactType=…]`), used only by the opt-in sigstore
   * bundle discovery (containers/image never calls it). `unsupported` (with the status) when the registry has no
   * such endpoint — distribution 2.8 answers 404 — so that the caller can fall back to the `sha256-<hex>` tag.
   */
  async fetchReferrers(
    digest: string,
    artifactType: string | undefined,
    maxBytes: number,
    trace?: Trace,
  ): Promise<{ supported: true; bytes: Uint8Array; filtersApplied: boolean } | { supported: false; statusCode: number }> {
    validateDigest(digest, (m) => m);
    const debug = this.debugTo(trace);
    const query = artifactType !== undefined ? `?artifactType=${encodeURIComponent(artifactType)}` : '';
    const res = await this.makeRequest('GET', `/v2/${this.cfg.repository}/referrers/${digest}${query}`, { accept: OCI_INDEX }, debug);
    if (res.statusCode === 404 || res.statusCode === 400 || res.statusCode === 405 || res.statusCode === 501) {
      await dump(res);
      return { supported: false, statusCode: res.statusCode };
    }
    if (res.statusCode !== 200) {
      const err = await this.requester.responseError(res);
      throw this.secrets.wrap(err, `reading referrers of ${digest} in ${this.name}: `);
    }
    const bytes = await this.requester.readBody(res, maxBytes);
    const applied = (headerValue(res.headers, 'oci-filters-applied') ?? '').split(',').map((s) => s.trim());
    return { supported: true, bytes, filtersApplied: applied.includes('artifactType') };
  }

  /** The OpenShift signature API (`X-Registry-Supports-Signatures: 1`): simple-signing blobs for a digest. */
  async fetchExtensionSignatures(manifestDigest: string): Promise<Uint8Array[]> {
    validateDigest(manifestDigest, (m) => m);
    const res = await this.makeRequest('GET', `/extensions/v2/${this.cfg.repository}/signatures/${manifestDigest}`, {});
    if (res.statusCode !== 200) {
      const err = await this.requester.responseError(res);
      throw this.secrets.wrap(err, `downloading signatures for ${manifestDigest} in ${this.name}: `);
    }
    const body = await this.requester.readBody(res, 4 * 1024 * 1024); // c/image MaxSignatureListBodySize
    let list;
    try {
      list = decodeExtensionSignatureList(body);
    } catch (e) {
      throw new ImageSourceError(`decoding signature list: ${(e as Error).message}`);
    }
    // c/image appends every schema-2 "atomic" entry's content, a missing one as an empty signature.
    return list.filter((s) => s.version === 2 && s.type === 'atomic').map((s) => s.content ?? new Uint8Array());
  }

  /**
   * One lookaside signature over http(s): `null` on 404 (the end of the list). c/image sends no registry
   * credentials to a lookaside server, and neither do we.
   */
  async fetchLookasideSignature(url: URL): Promise<Uint8Array | null> {
    this.debug(`GET ${redacted(url)}`);
    const res = await this.requester.requestWithRetries('GET', url, {}, undefined);
    if (res.statusCode === 404) {
      await dump(res);
      this.debug('... got status 404, as expected = end of signatures');
      return null;
    }
    if (res.statusCode !== 200) {
      await dump(res);
      throw new ImageSourceError(`reading signature from ${redacted(url)}: status ${res.statusCode} (${statusText(res.statusCode)})`);
    }
    const ct = headerBytesAsUTF8(headerValue(res.headers, 'content-type') ?? '');
    if (simplifyContentType(ct) === 'text/html') {
      this.cfg.trace.warn(`Signature ${goQuote(redacted(url))} has Content-Type ${goQuote(ct)}, unexpected for a signature`);
    }
    return this.requester.readBody(res, LIMITS.maxSignatureBytes);
  }

  async close(): Promise<void> {
    // Agents belong to the pool; nothing per-client to release.
  }

  // ---------------------------------------------------------------- ping (c/image detectProperties)

  ping(): Promise<void> {
    return (this.pingPromise ??= pingRegistry({
      registry: this.registry,
      insecureSkipVerify: this.cfg.insecureSkipVerify,
      pool: this.cfg.pool,
      requester: this.requester,
      secrets: this.secrets,
      debug: (line) => this.debug(line),
    }).then((r) => this.adopt(r)));
  }

  private adopt(r: PingResult): void {
    this.auth.useChallenges(r.challenges);
    this.scheme = r.scheme;
    this.supportsSignatures = r.supportsSignatures;
  }

  // ---------------------------------------------------------------- helpers

  /** A request to the registry itself (after the ping), with the Authorization its challenges call for. */
  private async makeRequest(
    method: string,
    path: string,
    headers: Record<string, string>,
    debug: (line: string) => void = (l) => this.debug(l),
  ): Promise<RegistryResponse> {
    await this.ping();
    const url = new URL(`${this.scheme}://${this.registry}${path}`);
    return this.requester.requestWithRetries(method, url, headers, (extraScope) => this.auth.authorization(extraScope), debug);
  }

  /** Debug lines of one request, to another trace when the caller buffers them (a speculative fetch). */
  private debugTo(trace: Trace | undefined): (line: string) => void {
    return trace ? (line) => trace.debug(this.secrets.scrub(line)) : (line) => this.debug(line);
  }
}
