import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { processEnv, type ProcessEnv } from '../context.js';
import { EXIT } from '../exit-codes.js';
import type { CLIIO } from '../io.js';
import { collect } from '../options.js';
import { renderInputFromOptions, type RenderOptions } from '../render-input.js';
import type { RenderResult, ReportLine } from '../../crd/index.js';


const RENDER_HELP = `
Sources (told apart by apiVersion; one kind of source per run):
  config.openshift.io ClusterImagePolicy / ImagePolicy   rendered as OpenShift's Machine Config Operator renders them:
      containers/policy.json, crio/policies/<namespace>.json, containers/registries.d/sigstore-registries.yaml
  policy.sigstore.dev ClusterImagePolicy (+ TrustRoot, v1 Secret)   translated to containers/policy.json and
      containers/registries.d/sigstore-registries.yaml, with a report of what containers/image cannot express

Input: files, directories (recursively: *.yaml, *.yml, *.json) or "-" (standard input); multi-document YAML and Lists.

Examples:
  imgpolicy render --out node/ cluster-policies/
  imgpolicy render --out node/ --base-policy /etc/containers/policy.json cip.yaml
  imgpolicy render --out node/ --fulcio-ca fulcio.pem --rekor-public-key rekor.pub --strict policy-controller/

Exit codes: 0 rendered · 1 (--strict) something could not be expressed · 3 refused input (the API server's or the
MCO's message, naming the resource).`;

export function renderCommand(program: Command, io: CLIIO, env: () => ProcessEnv = processEnv): void {
  program
    .command('render')
    .description('the node files (policy.json, namespace policies, registries.d) that cluster image-policy resources produce')
    .argument('<input...>', 'resource files or directories ("-": standard input)')
    .option('--out <dir>', 'write the node files under DIR (relative to /etc: containers/…, crio/…); without it, print them')
    .option('--base-policy <file>', 'the policy.json the MCO starts from (default: the MCO template)')
    .option('--namespace <ns>', 'namespace of ImagePolicies without metadata.namespace', 'default')
    .option('--fulcio-ca <file>', 'policy-controller: Fulcio CA (PEM) for keyless authorities without ca-cert or TrustRoot')
    .option('--rekor-public-key <file>', 'policy-controller: Rekor public key (PEM) for keyless authorities and ctlog')
    .addOption(new Option('--on-no-match <policy>', "policy-controller: what images no policy matches get (its no-match-policy)").choices(['deny', 'allow']).default('deny'))
    .option('--key-secret <name=file>', 'policy-controller: a Secret named by key.secretRef / ca-cert.secretRef, from a PEM file (repeatable)', collect)
    .option('--strict', 'policy-controller: exit 1 when anything could not be expressed')
    .addOption(new Option('-o, --output <format>', 'report format').choices(['text', 'json']).default('text'))
    .addHelpText('after', RENDER_HELP)
    .action(async (inputs: string[], opts: RenderOptions) => {
      io.setExitCode(await runRender(inputs, opts, env(), io));
    });
}

export async function runRender(inputs: string[], opts: RenderOptions, pe: ProcessEnv, io: CLIIO): Promise<number> {
  let result: RenderResult;
  try {
    const { renderPaths } = await import('../../crd/index.js');
    result = await renderPaths(inputs, pe.cwd, io.readStdin ?? (async () => ''), await renderInputFromOptions(opts, pe));
  } catch (e) {
    io.stderr(`imgpolicy: ${(e as Error).message}\n`);
    return EXIT.usage;
  }
  const written: string[] = [];
  if (opts.out !== undefined) {
    try {
      for (const [rel, text] of result.files) {
        const path = join(resolve(pe.cwd, opts.out), rel);
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, text);
        written.push(path);
      }
    } catch (e) {
      io.stderr(`imgpolicy: writing ${opts.out}: ${(e as Error).message}\n`);
      return EXIT.usage;
    }
  }
  const dropped = result.report.filter((l) => l.dropped);
  if (opts.output === 'json') {
    io.stdout(
      JSON.stringify(
        {
          source: result.source,
          files: Object.fromEntries([...result.files].map(([rel, text]) => [rel, opts.out !== undefined ? join(opts.out, rel) : text])),
          notes: result.notes,
          report: result.report,
          ignored: result.ignored,
        },
        null,
        2,
      ) + '\n',
    );
  } else {
    if (opts.out === undefined) for (const [rel, text] of result.files) io.stdout(`==> /etc/${rel} <==\n${text}${text.endsWith('\n') ? '' : '\n'}`);
    else for (const w of written) io.stdout(`wrote ${w}\n`);
    for (const n of result.notes) io.stdout(`note: ${n}\n`);
    if (result.ignored.length > 0) io.stdout(`note: ${result.ignored.length} resource(s) are not image policies and were not read: ${result.ignored.slice(0, 5).join(', ')}${result.ignored.length > 5 ? ', …' : ''}\n`);
    if (result.source === 'policy-controller') io.stdout(renderReport(result.report));
  }
  return opts.strict && dropped.length > 0 ? EXIT.rejected : EXIT.allowed;
}

const EFFECT_LABEL: Record<ReportLine['effect'], string> = { looser: 'LOOSER  ', stricter: 'STRICTER', wider: 'WIDER   ', note: 'note    ' };

/** One line per item: what happened to it and which images it concerns. */
export function renderReport(lines: readonly ReportLine[]): string {
  if (lines.length === 0) return 'report: everything was expressed exactly\n';
  const looser = lines.filter((l) => l.effect === 'looser');
  let s = `report: ${lines.length} item(s), ${lines.filter((l) => l.dropped).length} dropped; ${looser.length} make(s) images looser than policy-controller, ${lines.filter((l) => l.effect === 'stricter').length} stricter\n`;
  for (const l of lines) s += `${EFFECT_LABEL[l.effect]} ${l.path}: ${l.message} [images: ${l.images}]\n`;
  return s;
}
