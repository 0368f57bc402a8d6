import { InvalidArgumentError, Option, type Command } from 'commander';
import { parseBool, ParseBoolError } from '../go/strconv.js';
import { parsePlatformChoice } from '../registry/platform.js';

/** Options shared by commands that read a policy, named like skopeo's/podman's so muscle memory works. */
export interface PolicyOptions {
  policy?: string;
}

export interface ImageAccessOptions {
  registriesD?: string;
  /** commander keeps the dotted flag name as the key: `--registries.d` → `opts['registries.d']`. */
  'registries.d'?: string;
  registriesConf?: string;
  authfile?: string;
  creds?: string;
  certDir?: string;
  /** Unset unless given (c/image OptionalBool): registries.conf `insecure` then decides per registry. */
  tlsVerify?: boolean;
  platform?: string;
  timeout?: number;
  /** Diagnosis only: look for sigstore attachments that registries.d disables, to hint at it (never read them). */
  probeDisabledAttachments?: boolean;
}

export function addPolicyOptions(cmd: Command): Command {
  return cmd
    .option('--policy <path>', 'policy.json to use (default: $HOME/.config/containers/policy.json, then /etc/containers/policy.json)')
    .addOption(new Option('--signature-policy <path>', 'alias of --policy (CRI-O, podman)').hideHelp());
}

export function addImageAccessOptions(cmd: Command): Command {
  return cmd
    .option('--registries-conf <file>', 'registries.conf file (mirrors, location rewrites, insecure, blocked), as skopeo --registries-conf')
    .option('--registries.d <dir>', 'containers-registries.d directory (sigstore attachments, lookasides)')
    .option('--authfile <path>', 'auth.json with registry credentials (default: $REGISTRY_AUTH_FILE, then containers/docker defaults)')
    .option('--creds <user[:password]>', 'credentials for the registry')
    .option('--cert-dir <dir>', 'directory with *.crt CAs and *.cert/*.key client certificates for the registry')
    .option('--tls-verify', 'require HTTPS and verify certificates; --tls-verify=false: no verification, then http (default: registries.conf "insecure", else true)')
    .addOption(new Option('--no-tls-verify').hideHelp())
    .option('--platform <os/arch[/variant]>', 'instance of a manifest list to evaluate (default: this machine)', platformArgument)
    .option('--timeout <seconds>', 'give up on an image after this many seconds', timeoutArgument);
}

function platformArgument(v: string): string {
  try {
    parsePlatformChoice(v);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
  return v;
}

function timeoutArgument(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number of seconds (0 = no limit)');
  return n;
}

/** skopeo's boolean flags (pflag): `--flag` alone is true, `--flag=VALUE` the only way to give a value (Go ParseBool). */
const GO_BOOL_FLAGS = ['--tls-verify'];

export class FlagValueError extends Error {}

/**
 * Rewrites `--tls-verify=VALUE` (Go ParseBool spellings) to `--tls-verify` / `--no-tls-verify` before commander sees
 * it, so that `--tls-verify IMAGE` keeps IMAGE as an argument, as in skopeo. Arguments after `--` are left alone.
 */
export function goBoolFlagsToCommander(args: readonly string[]): string[] {
  const out: string[] = [];
  let rest = false;
  for (const a of args) {
    if (rest || a === '--') {
      rest = true;
      out.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const flag = eq === -1 ? a : a.slice(0, eq);
    if (eq === -1 || !GO_BOOL_FLAGS.includes(flag)) {
      out.push(a);
      continue;
    }
    const value = a.slice(eq + 1);
    try {
      out.push(parseBool(value) ? flag : `--no-${flag.slice(2)}`);
    } catch (e) {
      if (e instanceof ParseBoolError) throw new FlagValueError(`invalid argument ${JSON.stringify(value)} for ${JSON.stringify(flag)} flag: ${e.message}`);
      throw e;
    }
  }
  return out;
}

export function policyPathOf(o: { policy?: string; signaturePolicy?: string }): string | undefined {
  return o.policy ?? o.signaturePolicy;
}

/**
 * Commander names the attribute of `--registries.d` literally `registries.d` (it only camel-cases dashes), so the
 * value is copied to `registriesD`, the field everything below the CLI reads.
 */
export function withRegistriesD<T extends ImageAccessOptions>(opts: T): T {
  const rd = (opts as unknown as Record<string, unknown>)['registries.d'];
  return typeof rd === 'string' && opts.registriesD === undefined ? { ...opts, registriesD: rd } : opts;
}

/** A repeatable option (`-f a -f b`), like kubectl's: variadic options would swallow the positional arguments. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
