import { resolve } from 'node:path';
import type { Command } from 'commander';
import { asImgpolicyError } from '../../errors.js';
import { parseImageReference, type ImageReference } from '../../reference/index.js';
import { evaluationContext, processEnv, type ProcessEnv } from '../context.js';
import { EXIT, exitCodeForError } from '../exit-codes.js';
import type { CLIIO } from '../io.js';
import { ImageSession, openImageSource } from '../open-image.js';
import { addImageAccessOptions, collect, withRegistriesD } from '../options.js';
import type { InspectOptions } from '../inspect/options.js';
import { inspectSignature, type SignatureInspection } from '../inspect/signature.js';
import { renderInspection } from '../inspect/render.js';
export function inspectCommand(program: Command, io: CLIIO, env: () => ProcessEnv = processEnv): void {
  const cmd = program
    .command('inspect')
    .description('list the signatures an image has and print the policy.json entry that would accept each')
    .argument('<image>', 'image reference: docker (default), dir:PATH, oci:PATH[:REF]')
    .option('--key <path>', 'public key to try (cosign PEM or GPG; repeatable): the one that verifies goes into the suggested entry', collect)
    .option('--fulcio-ca <path>', 'Fulcio CA certificate(s) for keyless signatures (default placeholder: /etc/containers/fulcio_v1.crt.pem)')
    .option('--rekor-key <path>', 'Rekor public key for keyless signatures / SETs (default placeholder: /etc/containers/rekor.pub)')
    .option('-o, --output <format>', 'text or json', 'text')
    .addHelpText(
      'after',
      `
Everything shown about a signature is what it CLAIMS (identity, digest, certificate, Rekor time), read without
trusting it — only "verified by" lines have been checked, with the keys you pass. Sigstore attachments are read
where registries.d enables them (use-sigstore-attachments), exactly as containers/image would.

Examples:
  imgpolicy inspect 127.0.0.1:5000/team/app:v1
  imgpolicy inspect --key cosign.pub --registries.d ./registries.d 127.0.0.1:5000/team/app:v1
  imgpolicy inspect --fulcio-ca fulcio_v1.crt.pem --rekor-key rekor.pub quay.io/org/app:v2
  imgpolicy inspect --output json dir:/tmp/image | jq .signatures[0].suggestedPolicy > policy.json`,
    );
  addImageAccessOptions(cmd);
  cmd.action(async (image: string, opts: InspectOptions) => {
    io.setExitCode(await runInspect(image, withRegistriesD(opts), env(), io));
  });
}

export async function runInspect(image: string, opts: InspectOptions, pe: ProcessEnv, io: CLIIO): Promise<number> {
  if (opts.output !== 'text' && opts.output !== 'json') {
    io.stderr(`unknown --output ${JSON.stringify(opts.output)}: use text or json\n`);
    return EXIT.usage;
  }
  let ref: ImageReference;
  try {
    ref = parseImageReference(image, { cwd: pe.cwd });
  } catch (e) {
    io.stderr(`invalid image reference ${JSON.stringify(image)}: ${(e as Error).message}\n`);
    return EXIT.usage;
  }
  const ctx = evaluationContext(pe);
  const session = new ImageSession();
  try {
    const source = await openImageSource(ref, { ...opts, probeDisabledAttachments: true }, pe, ctx.trace, session);
    const { manifestDigest } = await import('../../image/index.js');
    const digest = manifestDigest((await source.manifest()).bytes);
    const sigs = await source.signatures();
    const keys = (opts.key ?? []).map((k) => resolve(pe.cwd, k));
    const inspections: SignatureInspection[] = [];
    for (const [i, sig] of sigs.entries()) inspections.push(await inspectSignature(i, sig, ref, digest, keys, opts, pe, ctx));
    const hints = ctx.trace.events.filter((e) => typeof e.data?.['hint'] === 'string').map((e) => ({ code: String(e.data!['hint']), text: e.message }));
    if (opts.output === 'json') {
      io.stdout(JSON.stringify({ image: ref.toString(), manifestDigest: digest, signatures: inspections, hints }, null, 2) + '\n');
    } else {
      io.stdout(renderInspection(ref, digest, inspections, hints, io));
    }
    return EXIT.allowed;
  } catch (e) {
    const err = asImgpolicyError(e);
    io.stderr(`imgpolicy: inspecting ${image}: ${err.message}\n`);
    return err.kind === 'usage' ? EXIT.usage : exitCodeForError(err) === EXIT.usage ? EXIT.usage : EXIT.couldNotEvaluate;
  } finally {
    await session.close();
  }
}
