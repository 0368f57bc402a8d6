/**
 * The signatures c/image's dockerImageSource.GetSignaturesWithFormat returns for one manifest digest, in its
 * order: simple-signing signatures from the X-Registry-Supports-Signatures API or the lookaside (file: or
 * http(s):), then — only if registries.d enables `use-sigstore-attachments` — every layer of the
 * `sha256-<hex>.sig` attachment manifest.
 */
import { ImageSourceError } from '../errors.js';
import { goQuote } from '../go/fmt.js';
import { LIMITS } from '../limits.js';
import { OCI_MANIFEST, parseOCI1, type OCILayer } from '../manifest/index.js';
import { isManifestUnknownError, lookasideSignatureURL, validateDigest, type RegistryClient } from '../registry/index.js';
import { Trace } from '../trace.js';
import type { DockerEndpoint } from './docker-endpoint.js';
import { isNotFound, readFileLimited } from './files.js';
import { parseSignatureBlob } from './signature-blob.js';
import type { Signature, SigstoreSignature } from './types.js';

export interface SignatureReadOptions {
  trace: Trace;
  /** Beyond c/image: when attachments are disabled, check whether a `.sig` exists and say so in the trace. */
  probeDisabledAttachments?: boolean;
}

export async function readDockerSignatures(endpoint: DockerEndpoint, digest: string, opts: SignatureReadOptions): Promise<Signature[]> {
  const { client } = endpoint;
  const { trace } = opts;
  const out: Signature[] = [];
  if (client.supportsSignatures) {
    for (const blob of await client.fetchExtensionSignatures(digest)) out.push({ format: 'simple-signing', blob });
  } else {
    out.push(...(await readLookaside(endpoint, digest, trace)));
  }
  if (endpoint.useAttachments) {
    out.push(...(await readSigstoreAttachments(client, digest, trace)));
  } else {
    trace.debug('Not looking for sigstore attachments: disabled by configuration');
    if (opts.probeDisabledAttachments) await probeAttachments(client, digest, trace);
  }
  return out;
}

/** c/image sigstoreAttachmentTag: `sha256:abc…` → `sha256-abc….sig`. */
export function sigstoreAttachmentTag(digest: string): string {
  validateDigest(digest, (m) => m);
  return digest.replace(':', '-') + '.sig';
}

/** c/image appendSignaturesFromLookaside: signature-1, -2, … until the first missing one; at most 128. */
async function readLookaside(endpoint: DockerEndpoint, digest: string, trace: Trace): Promise<Signature[]> {
  const out: Signature[] = [];
  for (let i = 0; ; i++) {
    if (i >= LIMITS.maxLookasideSignatures) {
      throw new ImageSourceError(`server provided ${LIMITS.maxLookasideSignatures} signatures, assuming that's unreasonable and a server error`);
    }
    const url = lookasideSignatureURL(endpoint.lookasideBase, digest, i + 1);
    let blob: Uint8Array | null;
    let where: string;
    switch (url.protocol) {
      case 'file:': {
        const path = decodeURIComponent((url as URL).pathname);
        where = goQuote(path);
        trace.debug(`Reading ${path}`);
        try {
          blob = await readFileLimited(path, LIMITS.maxSignatureBytes, 'signature');
        } catch (e) {
          if (isNotFound(e)) blob = null;
          else throw e;
        }
        break;
      }
      case 'http:':
      case 'https:':
        where = url.href;
        blob = await endpoint.client.fetchLookasideSignature(url as URL);
        break;
      default:
        throw new ImageSourceError(`Unsupported scheme when reading signature from ${url.href}`);
    }
    if (blob === null) break;
    try {
      out.push(parseSignatureBlob(blob));
    } catch (e) {
      throw new ImageSourceError(`parsing signature ${where}: ${(e as Error).message}`);
    }
  }
  return out;
}

/** c/image appendSignaturesFromSigstoreAttachments + getSigstoreAttachmentManifest. */
async function readSigstoreAttachments(client: RegistryClient, digest: string, trace: Trace): Promise<Signature[]> {
  const tag = sigstoreAttachmentTag(digest);
  const sigRef = `${client.name}:${tag}`;
  trace.debug(`Looking for sigstore attachments in ${sigRef}`, { tag });
  let fetched;
  try {
    fetched = await client.fetchManifest(tag, LIMITS.maxSignatureManifestBytes);
  } catch (e) {
    if (isManifestUnknownError(e)) {
      trace.debug(`Fetching sigstore attachment manifest failed, assuming it does not exist: ${(e as Error).message}`);
      return [];
    }
    trace.debug(`Fetching sigstore attachment manifest failed: ${(e as Error).message}`);
    throw e;
  }
  if (fetched.mimeType !== OCI_MANIFEST) {
    throw new ImageSourceError(`unexpected MIME type for sigstore attachment manifest ${sigRef}: ${goQuote(fetched.mimeType)}`);
  }
  const layers = parseAttachmentManifest(fetched.bytes, sigRef);
  trace.debug(`Found a sigstore attachment manifest with ${layers.length} layers`, { layers: layers.length });
  // No count limit: c/image reads every layer; the 4 MiB manifest bound is the bound.
  // The blobs are independent: fetch a few at once (sigstoreFetchConcurrency). Each fetch's debug lines are
  // buffered and appended in layer order, and the first failing layer (in order) is the error, as in c/image's
  // sequential loop. Layers naming the same blob (two signatures over one payload) share a fetch.
  const limited = concurrencyLimit(LIMITS.sigstoreFetchConcurrency);
  const fetches = new Map<string, { trace: Trace; p: Promise<Uint8Array> }>();
  for (const layer of layers) {
    if (fetches.has(layer.digest)) continue;
    const t = new Trace();
    // c/image getBlob: a layer's `urls` are tried before the registry.
    const p = limited(() => client.fetchBlob(layer.digest, LIMITS.maxSignatureBytes, t, layer.urls));
    p.catch(() => undefined); // awaited below, in order
    fetches.set(layer.digest, { trace: t, p });
  }
  const replayed = new Set<string>();
  const out: SigstoreSignature[] = [];
  for (const [i, layer] of layers.entries()) {
    trace.debug(`Fetching sigstore attachment ${i + 1}/${layers.length}: ${layer.digest}`);
    const f = fetches.get(layer.digest)!;
    if (!replayed.has(layer.digest)) {
      replayed.add(layer.digest);
      await f.p.catch(() => undefined);
      trace.events.push(...f.trace.events);
    }
    const payload = await f.p;
    out.push({ format: 'sigstore', mimeType: layer.mediaType, payload, annotations: layer.annotations });
  }
  return out;
}

/** Runs at most `n` of the functions it is given at once, the rest in the order they were given. */
function concurrencyLimit(n: number): <T>(f: () => Promise<T>) => Promise<T> {
  let free = n;
  const waiting: (() => void)[] = [];
  return async (f) => {
    if (free === 0) await new Promise<void>((r) => waiting.push(r));
    else free--;
    try {
      return await f();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else free++;
    }
  };
}

/** manifest.OCI1FromManifest over a `.sig` attachment manifest, wrapped as `parsing manifest %s: %w`. */
function parseAttachmentManifest(bytes: Uint8Array, sigRef: string): OCILayer[] {
  try {
    return parseOCI1(bytes).layers;
  } catch (e) {
    throw new ImageSourceError(`parsing manifest ${sigRef}: ${(e as Error).message}`);
  }
}

/**
 * Opt-in diagnosis: attachments exist but registries.d does not enable them. Only recorded; nothing a verdict
 * depends on changes (c/image would not even look).
 */
async function probeAttachments(client: RegistryClient, digest: string, trace: Trace): Promise<void> {
  const tag = sigstoreAttachmentTag(digest);
  try {
    if (await client.manifestExists(tag)) {
      trace.info(
        `${client.name}:${tag} holds sigstore attachments, but use-sigstore-attachments is not enabled for this image in registries.d, so they are not read`,
        { hint: 'sigstore-attachments-disabled', tag },
      );
    }
  } catch (e) {
    trace.debug(`Probing for sigstore attachments failed: ${(e as Error).message}`);
  }
}
