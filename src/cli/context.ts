import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { userInfo } from 'node:os';
import { EvaluationError } from '../errors.js';
import type { EvaluationContext, Verifiers } from '../evaluate/index.js';
import { readFileLimited } from '../image/files.js';
import { LIMITS } from '../limits.js';
import { Trace } from '../trace.js';

/** Everything a command needs from the process, gathered once and passed down (no globals below the CLI). */
export interface ProcessEnv {
  readonly env: NodeJS.ProcessEnv;
  readonly homeDir: string;
  readonly cwd: string;
  readonly now: () => Date;
  /** Where the system configuration lives (`/etc` unless IMGPOLICY_TEST_SYSCONFDIR redirects it for tests). */
  readonly etcDir?: string;
}

/**
 * Test-only: the directory read instead of `/etc` for `containers/policy.json`, `containers/registries.conf(.d)`,
 * `containers/registries.d` and `containers|docker/certs.d`, so that tests can give a machine-wide configuration
 * without touching the real `/etc`. Never set it on a real machine: c/image has no such variable.
 */
export const SYSCONFDIR_ENV = 'IMGPOLICY_TEST_SYSCONFDIR';

export function processEnv(): ProcessEnv {
  const etcDir = process.env[SYSCONFDIR_ENV];
  return { env: process.env, homeDir: homeDirOf(process.env), cwd: process.cwd(), now: () => new Date(), ...(etcDir ? { etcDir } : {}) };
}

/**
 * containers/storage homedir.Get (through unshare.HomeDir): `$HOME` when it is set and not empty, else the passwd
 * entry of the (rootless) uid — never `''`, which would turn every per-user path into one relative to the cwd.
 */
export function homeDirOf(env: NodeJS.ProcessEnv, passwdHome: () => string = () => userInfo().homedir): string {
  const home = env['HOME'];
  if (home !== undefined && home !== '') return home;
  try {
    return passwdHome();
  } catch {
    return '';
  }
}

/** The crypto stacks load only when a signature requirement actually has a signature to check. */
export const lazyVerifiers: Verifiers = {
  async sigstore(req, sig, ctx) {
    const m = await import('../signature/sigstore/index.js');
    return m.verifySigstoreSignature(req, sig, ctx);
  },
  async simpleSigning(req, sig, ctx) {
    const m = await import('../signature/simple-signing/index.js');
    return m.verifySimpleSigningSignature(req, sig, ctx);
  },
};

/** Key and CA files named by the policy; read errors are plain errors worded like Go's. */
async function readPolicyFile(path: string): Promise<Uint8Array> {
  try {
    return await readFileLimited(path, LIMITS.maxKeyFileBytes, 'file');
  } catch (e) {
    // Key and CA files are configuration: their read errors are c/image's plain errors, not image-source trouble.
    throw new EvaluationError((e as Error).message);
  }
}

/**
 * Key and CA files for a run of many images. c/image re-reads them for every image and signature; within one run
 * imgpolicy re-reads a regular file only when it changed (a stat per use: device, inode, size, mtime and ctime), and
 * otherwise hands out a copy of the bytes it read before — the bytes a re-read would return, without the open,
 * reads and close. Anything that is not a regular file (a pipe, /proc, /dev/fd) and every error go the uncached way.
 */
export function policyFileReader(): (path: string) => Promise<Uint8Array> {
  const seen = new Map<string, { stamp: string; bytes: Promise<Uint8Array> }>();
  return async (path) => {
    let stamp: string | undefined;
    try {
      const st = await stat(path, { bigint: true });
      if (st.isFile()) stamp = `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
    } catch {
      stamp = undefined; // the read below reports the error in c/image's words
    }
    if (stamp === undefined) return readPolicyFile(path);
    let hit = seen.get(path);
    if (hit?.stamp !== stamp) {
      hit = { stamp, bytes: readPolicyFile(path) };
      seen.set(path, hit);
      hit.bytes.catch(() => seen.delete(path));
    }
    return new Uint8Array(await hit.bytes);
  };
}

export function evaluationContext(
  pe: ProcessEnv,
  opts: {
    requireSignatureVerification?: boolean;
    sigstoreBundles?: boolean;
    sigstoreBundleHint?: boolean;
    verifiers?: Verifiers;
    readFile?: (path: string) => Promise<Uint8Array>;
  } = {},
): EvaluationContext {
  const trace = new Trace();
  return {
    trace,
    verify: { readFile: opts.readFile ?? readPolicyFile, now: pe.now, trace },
    verifiers: opts.verifiers ?? lazyVerifiers,
    ...(opts.requireSignatureVerification ? { requireSignatureVerification: true } : {}),
    ...(opts.sigstoreBundles ? { sigstoreBundles: true } : {}),
    ...(opts.sigstoreBundleHint === false ? { sigstoreBundleHint: false } : {}),
  };
}

/**
 * imgpolicy's own settings (not containers/image's): `$XDG_CONFIG_HOME/imgpolicy/config.json`, else
 * `$HOME/.config/imgpolicy/config.json`, and `IMGPOLICY_SIGSTORE_BUNDLES=true|false`, which wins over the file.
 * Only extras live here; nothing that containers/image reads is configured twice.
 */
export interface ImgpolicyConfig {
  sigstoreBundles?: boolean;
}

export async function loadImgpolicyConfig(pe: ProcessEnv): Promise<ImgpolicyConfig> {
  const dir = pe.env['XDG_CONFIG_HOME'] || `${pe.homeDir}/.config`;
  const path = `${dir}/imgpolicy/config.json`;
  const config: ImgpolicyConfig = {};
  let text: string | undefined;
  try {
    text = Buffer.from(await readFileLimited(path, LIMITS.maxConfigFileBytes, 'config')).toString('utf8');
  } catch {
    text = undefined; // no config file is the normal case
  }
  if (text !== undefined) {
    let doc: unknown;
    try {
      // JSON.parse-ok: imgpolicy's own config file (~/.config/imgpolicy/config.json), not a document c/image reads
      doc = JSON.parse(text);
    } catch (e) {
      throw new EvaluationError(`parsing ${path}: ${(e as Error).message}`);
    }
    const v = (doc as Record<string, unknown> | null)?.['sigstoreBundles'];
    if (v !== undefined && typeof v !== 'boolean') throw new EvaluationError(`${path}: "sigstoreBundles" must be true or false`);
    if (v !== undefined) config.sigstoreBundles = v;
  }
  const env = pe.env['IMGPOLICY_SIGSTORE_BUNDLES'];
  if (env === 'true' || env === '1') config.sigstoreBundles = true;
  else if (env === 'false' || env === '0') config.sigstoreBundles = false;
  return config;
}
