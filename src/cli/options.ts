import { Option, type Command } from 'commander';

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
  tlsVerify: boolean;
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
    .option('--tls-verify <bool>', 'require HTTPS and verify certificates', (v) => v !== 'false', true)
    .option('--platform <os/arch[/variant]>', 'instance of a manifest list to evaluate (default: this machine)')
    .option('--timeout <seconds>', 'give up on an image after this many seconds', (v) => Number(v));
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
