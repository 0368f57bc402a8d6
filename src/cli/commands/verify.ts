import type { Command } from 'commander';
import { asImgpolicyError, ImageSourceError } from '../../errors.js';
import { isRunningImageAllowed } from '../../evaluate/index.js';
import type { Policy } from '../../policy/index.js';
import { parseImageReference } from '../../reference/index.js';
import { evaluationContext, processEnv, type ProcessEnv } from '../context.js';
import { combineExitCodes, EXIT, exitCodeForError } from '../exit-codes.js';
import { ImageSession, openImageSource } from '../open-image.js';
import { addImageAccessOptions, addPolicyOptions, policyPathOf, type ImageAccessOptions } from '../options.js';
import { renderDebugLines } from '../output/debug.js';
import { renderJSON } from '../output/json.js';
import type { ImageReport } from '../output/result.js';
import { renderText } from '../output/text.js';
import { describePolicyError, loadPolicy } from '../policy-load.js';
import type { CLIIO } from '../io.js';

interface VerifyOptions extends ImageAccessOptions {
  policy?: string;
  signaturePolicy?: string;
  output: 'text' | 'json';
  debug?: boolean;
  requireSignatureVerification?: boolean;
}

export function verifyCommand(program: Command, io: CLIIO): void {
  const cmd = program
    .command('verify')
    .description('decide, as CRI-O/podman/skopeo would, whether each IMAGE may run under the policy')
    .argument('<image...>', 'image references: docker (default; docker:// optional), dir:PATH, oci:PATH[:REF]')
    .option('-o, --output <format>', 'text or json', 'text')
    .option('--debug', "print containers/image's debug lines (IsRunningImageAllowed …) on stderr")
    .option('--require-signature-verification', 'also deny images whose requirements verify no signature (c/image opt-in)')
    .addHelpText(
      'after',
      `
Examples:
  imgpolicy verify quay.io/crio/signed
  imgpolicy verify --policy ./policy.json --registries.d ./registries.d 127.0.0.1:5000/test/signed:v1
  imgpolicy verify --output json dir:/tmp/image oci:/tmp/layout:v1

Exit codes: 0 all allowed, 1 some rejected, 2 some could not be evaluated, 3 bad invocation or policy.`,
    );
  addPolicyOptions(cmd);
  addImageAccessOptions(cmd);
  cmd.action(async (images: string[], opts: VerifyOptions) => {
    io.setExitCode(await runVerify(images, opts, processEnv(), io));
  });
}

export async function runVerify(images: string[], opts: VerifyOptions, pe: ProcessEnv, io: CLIIO): Promise<number> {
  if (opts.output !== 'text' && opts.output !== 'json') {
    io.stderr(`unknown --output ${JSON.stringify(opts.output)}: use text or json\n`);
    return EXIT.usage;
  }
  let policy: Policy;
  try {
    policy = await loadPolicy(policyPathOf(opts), pe);
  } catch (e) {
    io.stderr(describePolicyError(e) + '\n');
    return EXIT.usage;
  }
  const reports: ImageReport[] = [];
  const session = new ImageSession();
  try {
    for (const input of images) {
      reports.push(await verifyOne(input, policy, opts, pe, io, session));
    }
  } finally {
    await session.close();
  }
  io.stdout(opts.output === 'json' ? renderJSON(reports) : renderText(reports, io.chalk));
  return combineExitCodes(reports.map((r) => r.exitCode));
}

async function verifyOne(
  input: string,
  policy: Policy,
  opts: VerifyOptions,
  pe: ProcessEnv,
  io: CLIIO,
  session: ImageSession,
): Promise<ImageReport> {
  const ctx = evaluationContext(pe, { ...(opts.requireSignatureVerification ? { requireSignatureVerification: true } : {}) });
  const base = { input, ...(policy.path ? { policyPath: policy.path } : {}) };
  try {
    const ref = parseImageReference(input, { cwd: pe.cwd });
    const source = await openImageSource(ref, opts, pe, ctx.trace, session);
    const result = await withTimeout(isRunningImageAllowed(policy, source, ctx), opts.timeout, input);
    if (opts.debug) io.stderr(renderDebugLines(result.trace));
    return { ...base, result, exitCode: exitCodeForError(result.error) };
  } catch (e) {
    const error = asImgpolicyError(e);
    if (opts.debug) io.stderr(renderDebugLines(ctx.trace.events));
    return { ...base, error, exitCode: exitCodeForError(error) };
  }
}

function withTimeout<T>(p: Promise<T>, seconds: number | undefined, input: string): Promise<T> {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds <= 0) return p;
  let timer: NodeJS.Timeout;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ImageSourceError(`evaluating ${input}: timed out after ${seconds} s`)), seconds * 1000);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
