import { homedir } from 'node:os';
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
}

export function processEnv(): ProcessEnv {
  return { env: process.env, homeDir: process.env['HOME'] ?? homedir(), cwd: process.cwd(), now: () => new Date() };
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

export function evaluationContext(
  pe: ProcessEnv,
  opts: { requireSignatureVerification?: boolean; verifiers?: Verifiers } = {},
): EvaluationContext {
  const trace = new Trace();
  return {
    trace,
    verify: { readFile: readPolicyFile, now: pe.now, trace },
    verifiers: opts.verifiers ?? lazyVerifiers,
    ...(opts.requireSignatureVerification ? { requireSignatureVerification: true } : {}),
  };
}
