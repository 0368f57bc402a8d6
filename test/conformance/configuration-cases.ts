/**
 * The configuration cases: the user's machine configuration (HOME, XDG dirs, /etc through a redirectable root,
 * environment variables) and flag spellings, each run through `imgpolicy verify` and through skopeo 1.18 with the
 * same files, environment and current directory. Rows refer to issue 13's table.
 *
 * Placeholders in strings: `{W}` the case's work directory, `{O}` the oracle's state directory, `{R}` the plain
 * registry (127.0.0.1:5000), `{T}` the TLS + basic-auth registry, `{REFUSED}` a 127.0.0.1 port nothing listens on.
 */

export type Files = Readonly<Record<string, string>>;

export interface ConfigCase {
  /** Issue 13 row ("1" … "15"), or "flags" / "defaults". */
  row: string;
  name: string;
  /** As the user types it for imgpolicy (no transport = docker); skopeo gets `docker://` + this unless `skopeoImage`. */
  image: string;
  skopeoImage?: string;
  /** imgpolicy verify flags (before the image). */
  args?: readonly string[];
  /** skopeo global flags and `copy` flags giving the same question. */
  skopeoGlobal?: readonly string[];
  skopeoCopy?: readonly string[];
  /** `HOME`: a directory holding these files (default: an empty one), `''`, or unset. */
  home?: Files | '' | 'unset';
  /** Files in the current directory of both processes. */
  cwd?: Files;
  /**
   * The machine-wide configuration, relative to /etc. imgpolicy reads it through IMGPOLICY_TEST_SYSCONFDIR; skopeo
   * cannot be redirected, so the case gives it the equivalent explicit flags (skopeoGlobal/skopeoCopy).
   */
  etc?: Files;
  /** Other files, relative to {W}. */
  files?: Files;
  /** Executable scripts put in {W}/bin, which is prepended to PATH for both tools. */
  bin?: Files;
  env?: Readonly<Record<string, string>>;
}

/** Written as {W}/accept.json in every case's directory. */
export const ACCEPT = '{"default":[{"type":"insecureAcceptAnything"}]}';
const REJECT = '{"default":[{"type":"reject"}]}';
/** Sigstore signature by the oracle's cosign1 key for 127.0.0.1:5000/test and :5443/test, reject elsewhere. */
const SIGSTORE_KEY1 = JSON.stringify({
  default: [{ type: 'reject' }],
  transports: {
    docker: {
      '{R}/test': [{ type: 'sigstoreSigned', keyPath: '{O}/keys/cosign1.pub' }],
      '{T}/test': [{ type: 'sigstoreSigned', keyPath: '{O}/keys/cosign1.pub' }],
    },
  },
});
/** A GPG (simple signing) requirement: signatures come from the lookaside. */
const GPG1 = JSON.stringify({ default: [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: '{O}/keys/gpg1.pub.gpg' }] });

const ATTACHMENTS = 'default-docker:\n  use-sigstore-attachments: true\n';
const INSECURE_R = '[[registry]]\nlocation = "{R}"\ninsecure = true\n';
const BLOCKED_R = '[[registry]]\nlocation = "{R}"\nblocked = true\n';
const TLS_CREDS = ['--creds', 'testuser:testpass'];
const TLS_SKOPEO_CREDS = ['--src-creds', 'testuser:testpass'];
const CA = '{O}/reg-tls/certdir';
/** auth.json for the TLS registry (testuser:testpass). */
const AUTH_JSON = JSON.stringify({ auths: { '{T}': { auth: Buffer.from('testuser:testpass').toString('base64') } } });
/** A docker-credential helper speaking the protocol: `get`, the server on stdin, JSON on stdout. */
const HELPER_OK = '#!/bin/sh\nread server\n[ "$1" = get ] || exit 3\nprintf \'{"ServerURL":"%s","Username":"testuser","Secret":"testpass"}\' "$server"\n';
const HELPER_FAIL = '#!/bin/sh\necho "helper exploded" \nexit 1\n';
const HELPER_NOT_FOUND = '#!/bin/sh\necho "credentials not found in native keychain"\nexit 1\n';

const SIGNED = '{R}/test/signed:v1';
const UNSIGNED = '{R}/test/unsigned:v1';
const TLS_SIGNED = '{T}/test/signed:v1';

const plain = { args: ['--tls-verify=false'], skopeoCopy: ['--src-tls-verify=false'] } as const;
const accept = (extraArgs: readonly string[] = [], extraGlobal: readonly string[] = []) => ({
  args: ['--policy', '{W}/accept.json', ...extraArgs],
  skopeoGlobal: ['--policy', '{W}/accept.json', ...extraGlobal],
  files: { 'accept.json': ACCEPT },
});

export function configurationCases(): ConfigCase[] {
  const cases: ConfigCase[] = [];
  const add = (c: ConfigCase) => cases.push(c);

  // ---- row 1: HOME='' (and unset) means the passwd home, never the current directory
  add({
    row: '1', name: "HOME='' with a rejecting ./.config/containers/policy.json in the cwd: the cwd file is not read",
    image: UNSIGNED, ...plain, home: '', cwd: { '.config/containers/policy.json': REJECT },
  });
  add({
    row: '1', name: "HOME='' with a permissive ./.config/containers/policy.json in the cwd: the /etc policy (reject) decides",
    image: UNSIGNED, home: '', cwd: { '.config/containers/policy.json': ACCEPT }, etc: { 'containers/policy.json': REJECT },
    args: ['--tls-verify=false'], skopeoGlobal: ['--policy', '{W}/etc/containers/policy.json'], skopeoCopy: ['--src-tls-verify=false'],
  });
  add({
    row: '1', name: 'HOME unset with a permissive ./.config/containers/policy.json: the /etc policy (reject) decides',
    image: UNSIGNED, home: 'unset', cwd: { '.config/containers/policy.json': ACCEPT }, etc: { 'containers/policy.json': REJECT },
    args: ['--tls-verify=false'], skopeoGlobal: ['--policy', '{W}/etc/containers/policy.json'], skopeoCopy: ['--src-tls-verify=false'],
  });
  add({
    row: '1', name: "HOME='' with ./.config/containers/registries.conf blocking the registry in the cwd: not read",
    image: UNSIGNED, ...accept(['--tls-verify=false']), skopeoCopy: ['--src-tls-verify=false'], home: '',
    cwd: { '.config/containers/registries.conf': BLOCKED_R },
  });
  add({
    row: '1', name: "HOME='' with ./.config/containers/registries.d enabling attachments in the cwd: not read",
    image: SIGNED, args: ['--policy', '{W}/key1.json', '--tls-verify=false'], skopeoGlobal: ['--policy', '{W}/key1.json'], skopeoCopy: ['--src-tls-verify=false'],
    files: { 'key1.json': SIGSTORE_KEY1 }, home: '', cwd: { '.config/containers/registries.d/default.yaml': ATTACHMENTS },
  });
  add({
    row: '1', name: "HOME='' with ./.config/containers/certs.d/HOST/ca.crt in the cwd: not read (unknown authority)",
    image: TLS_SIGNED, ...accept(TLS_CREDS), skopeoCopy: TLS_SKOPEO_CREDS, home: '',
    cwd: { '.config/containers/certs.d/{T}/ca.crt': '@{O}/reg-tls/certs/ca.crt' },
  });
  add({ row: '1', name: 'HOME with a rejecting user policy.json: the user file decides', image: UNSIGNED, ...plain, home: { '.config/containers/policy.json': REJECT } });
  add({ row: '1', name: 'HOME with a permissive user policy.json: allowed', image: UNSIGNED, ...plain, home: { '.config/containers/policy.json': ACCEPT } });
  add({
    row: '1', name: 'the user policy.json wins over the /etc one',
    image: UNSIGNED, ...plain, home: { '.config/containers/policy.json': REJECT }, etc: { 'containers/policy.json': ACCEPT },
  });
  add({
    row: '1', name: 'HOME with user registries.d enabling attachments: signed image allowed',
    image: SIGNED, args: ['--policy', '{W}/key1.json', '--tls-verify=false'], skopeoGlobal: ['--policy', '{W}/key1.json'], skopeoCopy: ['--src-tls-verify=false'],
    files: { 'key1.json': SIGSTORE_KEY1 }, home: { '.config/containers/registries.d/default.yaml': ATTACHMENTS },
  });
  add({
    row: '1', name: '/etc/containers/registries.d enabling attachments (no user directory)',
    image: SIGNED, args: ['--policy', '{W}/key1.json', '--tls-verify=false'], skopeoGlobal: ['--policy', '{W}/key1.json', '--registries.d', '{W}/etc/containers/registries.d'],
    skopeoCopy: ['--src-tls-verify=false'], files: { 'key1.json': SIGSTORE_KEY1 }, etc: { 'containers/registries.d/default.yaml': ATTACHMENTS },
  });
  add({
    row: '1', name: 'HOME with user certs.d CA for the TLS registry',
    image: TLS_SIGNED, ...accept(TLS_CREDS), skopeoCopy: TLS_SKOPEO_CREDS, home: { '.config/containers/certs.d/{T}/ca.crt': '@{O}/reg-tls/certs/ca.crt' },
  });
  add({
    row: '1', name: '/etc/containers/certs.d CA for the TLS registry',
    image: TLS_SIGNED, ...accept(TLS_CREDS), skopeoCopy: [...TLS_SKOPEO_CREDS, '--src-cert-dir', '{W}/etc/containers/certs.d/{T}'],
    etc: { 'containers/certs.d/{T}/ca.crt': '@{O}/reg-tls/certs/ca.crt' },
  });
  add({
    row: '1', name: '/etc/docker/certs.d CA for the TLS registry',
    image: TLS_SIGNED, ...accept(TLS_CREDS), skopeoCopy: [...TLS_SKOPEO_CREDS, '--src-cert-dir', '{W}/etc/docker/certs.d/{T}'],
    etc: { 'docker/certs.d/{T}/ca.crt': '@{O}/reg-tls/certs/ca.crt' },
  });
  add({
    row: '1', name: 'XDG_CONFIG_HOME/containers/auth.json holds the credentials',
    image: TLS_SIGNED, ...accept(['--cert-dir', CA]), skopeoCopy: ['--src-cert-dir', CA], files: { 'xdg/containers/auth.json': AUTH_JSON }, env: { XDG_CONFIG_HOME: '{W}/xdg' },
  });
  add({
    row: '1', name: 'XDG_RUNTIME_DIR/containers/auth.json holds the credentials',
    image: TLS_SIGNED, ...accept(['--cert-dir', CA]), skopeoCopy: ['--src-cert-dir', CA], files: { 'run/containers/auth.json': AUTH_JSON }, env: { XDG_RUNTIME_DIR: '{W}/run' },
  });
  add({
    row: '1', name: 'XDG_RUNTIME_DIR that does not exist: anonymous, authentication required',
    image: TLS_SIGNED, ...accept(['--cert-dir', CA]), skopeoCopy: ['--src-cert-dir', CA], env: { XDG_RUNTIME_DIR: '{W}/no-such-run' },
  });
  add({
    row: '1', name: 'HOME/.docker/config.json holds the credentials',
    image: TLS_SIGNED, ...accept(['--cert-dir', CA]), skopeoCopy: ['--src-cert-dir', CA], home: { '.docker/config.json': AUTH_JSON },
  });
  add({
    row: '1', name: 'DOCKER_CONFIG/config.json holds the credentials',
    image: TLS_SIGNED, ...accept(['--cert-dir', CA]), skopeoCopy: ['--src-cert-dir', CA], files: { 'dockercfg/config.json': AUTH_JSON }, env: { DOCKER_CONFIG: '{W}/dockercfg' },
  });
  add({
    row: '1', name: 'REGISTRY_AUTH_FILE names the auth file',
    image: TLS_SIGNED, ...accept(['--cert-dir', CA]), skopeoCopy: ['--src-cert-dir', CA], files: { 'auth.json': AUTH_JSON }, env: { REGISTRY_AUTH_FILE: '{W}/auth.json' },
  });
  add({
    row: '1', name: '--authfile names the auth file',
    image: TLS_SIGNED, ...accept(['--cert-dir', CA, '--authfile', '{W}/auth.json']), skopeoCopy: ['--src-cert-dir', CA, '--src-authfile', '{W}/auth.json'], files: { 'auth.json': AUTH_JSON },
  });

  // The auth file is read by Go's json.Unmarshal: member names fold, a repeated member merges into the map it filled,
  // a repeated map key starts from a zero dockerAuthConfig (the earlier credentials are gone).
  const TLS_AUTH = Buffer.from('testuser:testpass').toString('base64');
  const OTHER_AUTH = Buffer.from('x:y').toString('base64');
  for (const [name, json] of [
    ['"Auths" (Go folds member names)', `{"Auths":{"{T}":{"auth":"${TLS_AUTH}"}}}`],
    ['"auths" twice: the second merges into the first', `{"auths":{"{T}":{"auth":"${TLS_AUTH}"}},"auths":{"other.example":{"auth":"${OTHER_AUTH}"}}}`],
    ['the registry twice in "auths": the second entry replaces the first whole', `{"auths":{"{T}":{"auth":"${TLS_AUTH}"}},"auths":{"{T}":{"identitytoken":""}}}`],
  ] as const) {
    add({
      row: '1', name: `auth file decoded as Go does: ${name}`,
      image: TLS_SIGNED, ...accept(['--cert-dir', CA, '--authfile', '{W}/auth.json']), skopeoCopy: ['--src-cert-dir', CA, '--src-authfile', '{W}/auth.json'], files: { 'auth.json': json },
    });
  }

  // ---- row 2: --tls-verify unset unless given; registries.conf `insecure` then decides
  add({ row: '2', name: 'insecure = true, no --tls-verify: http fallback', image: UNSIGNED, ...accept(['--registries-conf', '{W}/r.conf'], ['--registries-conf', '{W}/r.conf']), files: { 'accept.json': ACCEPT, 'r.conf': INSECURE_R } });
  add({ row: '2', name: 'no insecure entry, no --tls-verify: https only', image: UNSIGNED, ...accept() });
  add({
    row: '2', name: 'insecure = true but --tls-verify given: https only', image: UNSIGNED,
    ...accept(['--registries-conf', '{W}/r.conf', '--tls-verify'], ['--registries-conf', '{W}/r.conf']), skopeoCopy: ['--src-tls-verify'], files: { 'accept.json': ACCEPT, 'r.conf': INSECURE_R },
  });
  add({
    row: '2', name: 'insecure = true but --tls-verify=true: https only', image: UNSIGNED,
    ...accept(['--registries-conf', '{W}/r.conf', '--tls-verify=true'], ['--registries-conf', '{W}/r.conf']), skopeoCopy: ['--src-tls-verify=true'], files: { 'accept.json': ACCEPT, 'r.conf': INSECURE_R },
  });
  add({
    row: '2', name: 'a rewritten location that is insecure', image: 'example.test/team/unsigned:v1',
    ...accept(['--registries-conf', '{W}/r.conf'], ['--registries-conf', '{W}/r.conf']),
    files: { 'accept.json': ACCEPT, 'r.conf': '[[registry]]\nprefix = "example.test/team"\nlocation = "{R}/test"\ninsecure = true\n' },
  });
  add({
    row: '2', name: 'an insecure mirror', image: 'example.test/test/unsigned:v1',
    ...accept(['--registries-conf', '{W}/r.conf'], ['--registries-conf', '{W}/r.conf']),
    files: { 'accept.json': ACCEPT, 'r.conf': '[[registry]]\nlocation = "example.test"\n[[registry.mirror]]\nlocation = "{R}"\ninsecure = true\n' },
  });
  add({ row: '2', name: 'insecure in the user registries.conf (HOME)', image: UNSIGNED, ...accept(), home: { '.config/containers/registries.conf': INSECURE_R } });
  add({ row: '2', name: 'insecure in a user drop-in (registries.conf.d)', image: UNSIGNED, ...accept(), home: { '.config/containers/registries.conf.d/50-insecure.conf': INSECURE_R } });
  add({
    row: '2', name: 'v1 format [registries.insecure]', image: UNSIGNED,
    ...accept(['--registries-conf', '{W}/r.conf'], ['--registries-conf', '{W}/r.conf']), files: { 'accept.json': ACCEPT, 'r.conf': '[registries.insecure]\nregistries = ["{R}"]\n' },
  });

  // ---- row 3: Go ParseBool spellings; --tls-verify a bool flag
  for (const v of ['0', 'f', 'F', 'FALSE', 'False', 'false']) {
    add({ row: '3', name: `--tls-verify=${v} turns verification off`, image: UNSIGNED, ...accept([`--tls-verify=${v}`]), skopeoCopy: [`--src-tls-verify=${v}`] });
  }
  for (const v of ['1', 't', 'TRUE', 'True']) {
    add({ row: '3', name: `--tls-verify=${v} keeps it on`, image: UNSIGNED, ...accept([`--tls-verify=${v}`]), skopeoCopy: [`--src-tls-verify=${v}`] });
  }
  add({ row: '3', name: '--tls-verify=yes is a usage error', image: UNSIGNED, ...accept(['--tls-verify=yes']), skopeoCopy: ['--src-tls-verify=yes'] });
  add({ row: '3', name: '--tls-verify= (empty) is a usage error', image: UNSIGNED, ...accept(['--tls-verify=']), skopeoCopy: ['--src-tls-verify='] });
  add({ row: '3', name: '--tls-verify IMAGE: the flag alone is true, IMAGE stays an argument', image: UNSIGNED, ...accept(['--tls-verify']), skopeoCopy: ['--src-tls-verify'] });

  // ---- row 4: short-name aliases are validated
  const withConf = (conf: string) => ({ ...accept(['--registries-conf', '{W}/r.conf', '--tls-verify=false'], ['--registries-conf', '{W}/r.conf']), skopeoCopy: ['--src-tls-verify=false'], files: { 'accept.json': ACCEPT, 'r.conf': conf } });
  add({ row: '4', name: 'alias value that is not a reference', image: UNSIGNED, ...withConf('[aliases]\n"foo" = "bad value!"\n') });
  add({ row: '4', name: 'alias value with a tag', image: UNSIGNED, ...withConf('[aliases]\n"foo" = "quay.io/foo:latest"\n') });
  add({ row: '4', name: 'alias value without a registry', image: UNSIGNED, ...withConf('[aliases]\n"foo" = "library/foo"\n') });
  add({ row: '4', name: 'alias name with a registry', image: UNSIGNED, ...withConf('[aliases]\n"quay.io/foo" = "quay.io/foo"\n') });
  add({ row: '4', name: 'alias name with a tag', image: UNSIGNED, ...withConf('[aliases]\n"foo:v1" = "quay.io/foo"\n') });
  add({ row: '4', name: 'valid aliases (and an empty one) are accepted', image: UNSIGNED, ...withConf('[aliases]\n"foo" = "quay.io/foo"\n"bar" = ""\n') });
  add({ row: '4', name: 'an invalid alias in a user drop-in', image: UNSIGNED, ...accept(['--tls-verify=false']), skopeoCopy: ['--src-tls-verify=false'], home: { '.config/containers/registries.conf.d/a.conf': '[aliases]\n"foo" = "foo@sha256:0000000000000000000000000000000000000000000000000000000000000000"\n' } });

  // ---- row 5: credential-helpers
  const helpers = (list: string, extra: Partial<ConfigCase> = {}): Partial<ConfigCase> => ({
    ...accept(['--registries-conf', '{W}/r.conf', '--cert-dir', CA], ['--registries-conf', '{W}/r.conf']),
    skopeoCopy: ['--src-cert-dir', CA],
    files: { 'accept.json': ACCEPT, 'r.conf': `credential-helpers = ${list}\n`, ...(extra.files ?? {}) },
  });
  add({ row: '5', name: 'a helper that is not installed', image: TLS_SIGNED, ...helpers('["nope"]') });
  add({ row: '5', name: 'two helpers that are not installed', image: TLS_SIGNED, ...helpers('["nope", "nope2"]') });
  add({ row: '5', name: 'a helper on PATH that has the credentials', image: TLS_SIGNED, ...helpers('["imgpolicytest"]'), bin: { 'docker-credential-imgpolicytest': HELPER_OK } });
  add({ row: '5', name: 'a helper that fails', image: TLS_SIGNED, ...helpers('["broken"]'), bin: { 'docker-credential-broken': HELPER_FAIL } });
  add({ row: '5', name: 'a helper without credentials for the registry', image: TLS_SIGNED, ...helpers('["empty"]'), bin: { 'docker-credential-empty': HELPER_NOT_FOUND } });
  add({ row: '5', name: 'containers-auth.json stands for the auth files', image: TLS_SIGNED, ...helpers('["containers-auth.json"]', { files: { 'xdg/containers/auth.json': AUTH_JSON } }), env: { XDG_CONFIG_HOME: '{W}/xdg' } });
  add({ row: '5', name: 'a failing helper, then the auth files that have credentials', image: TLS_SIGNED, ...helpers('["nope", "containers-auth.json"]', { files: { 'xdg/containers/auth.json': AUTH_JSON } }), env: { XDG_CONFIG_HOME: '{W}/xdg' } });
  add({ row: '5', name: 'only a helper: the auth files are not read', image: TLS_SIGNED, ...helpers('["empty"]', { files: { 'xdg/containers/auth.json': AUTH_JSON } }), bin: { 'docker-credential-empty': HELPER_NOT_FOUND }, env: { XDG_CONFIG_HOME: '{W}/xdg' } });
  add({ row: '5', name: 'an empty helper list means the auth files', image: TLS_SIGNED, ...helpers('[]', { files: { 'xdg/containers/auth.json': AUTH_JSON } }), env: { XDG_CONFIG_HOME: '{W}/xdg' } });

  // ---- row 6: podman's variables are ignored, as skopeo and CRI-O ignore them
  add({ row: '6', name: 'CONTAINERS_REGISTRIES_CONF naming a file that blocks the registry', image: UNSIGNED, ...accept(['--tls-verify=false']), skopeoCopy: ['--src-tls-verify=false'], files: { 'accept.json': ACCEPT, 'blocked.conf': BLOCKED_R }, env: { CONTAINERS_REGISTRIES_CONF: '{W}/blocked.conf' } });
  add({ row: '6', name: 'REGISTRIES_CONFIG_PATH naming a file that makes the registry insecure', image: UNSIGNED, ...accept(), files: { 'accept.json': ACCEPT, 'insecure.conf': INSECURE_R }, env: { REGISTRIES_CONFIG_PATH: '{W}/insecure.conf' } });

  // ---- rows 7, 8: registries.d YAML as yaml.v3 reads it
  const regd = (yaml: string) => ({
    args: ['--policy', '{W}/key1.json', '--registries.d', '{W}/regd', '--tls-verify=false'],
    skopeoGlobal: ['--policy', '{W}/key1.json', '--registries.d', '{W}/regd'],
    skopeoCopy: ['--src-tls-verify=false'],
    files: { 'key1.json': SIGSTORE_KEY1, 'regd/default.yaml': yaml },
  });
  add({ row: '7', name: 'an anchored namespace used through an alias', image: SIGNED, ...regd('base: &d\n  use-sigstore-attachments: true\ndefault-docker: *d\n') });
  add({ row: '7', name: 'an anchored scalar used through an alias', image: SIGNED, ...regd('on: &t true\ndefault-docker:\n  use-sigstore-attachments: *t\n') });
  add({ row: '7', name: 'an alias in the docker map', image: SIGNED, ...regd('x: &d {use-sigstore-attachments: true}\ndocker:\n  {R}/test: *d\n') });
  add({ row: '8', name: 'two documents: the first enables attachments', image: SIGNED, ...regd('default-docker:\n  use-sigstore-attachments: true\n---\ndefault-docker:\n  use-sigstore-attachments: false\n') });
  add({ row: '8', name: 'two documents: only the second enables attachments', image: SIGNED, ...regd('default-docker:\n  use-sigstore-attachments: false\n---\ndefault-docker:\n  use-sigstore-attachments: true\n') });
  add({ row: '8', name: 'a second document that would not parse', image: SIGNED, ...regd('default-docker:\n  use-sigstore-attachments: true\n---\n[unclosed\n') });

  // ---- lower: texts around configuration files
  add({ row: 'lower', name: '--registries.d naming a file, not a directory', image: SIGNED, ...regd(''), args: ['--policy', '{W}/key1.json', '--registries.d', '{W}/key1.json', '--tls-verify=false'], skopeoGlobal: ['--policy', '{W}/key1.json', '--registries.d', '{W}/key1.json'] });
  add({
    row: 'lower', name: 'default-docker defined in two registries.d files: named in directory order', image: SIGNED, ...regd(ATTACHMENTS),
    files: { 'key1.json': SIGSTORE_KEY1, 'regd/b.yaml': ATTACHMENTS, 'regd/a.yaml': ATTACHMENTS, 'regd/c.yaml': ATTACHMENTS },
  });
  add({ row: 'lower', name: '--creds with an empty username is refused before anything', image: UNSIGNED, ...accept(['--tls-verify=false', '--creds', ':pw']), skopeoCopy: ['--src-tls-verify=false', '--src-creds', ':pw'] });

  // ---- rows 9, 10: lookaside locations, read inside the policy evaluation
  const lookaside = (where: string) => ({
    args: ['--policy', '{W}/gpg1.json', '--registries.d', '{W}/regd', '--tls-verify=false'],
    skopeoGlobal: ['--policy', '{W}/gpg1.json', '--registries.d', '{W}/regd'],
    skopeoCopy: ['--src-tls-verify=false'],
    files: { 'gpg1.json': GPG1, 'regd/default.yaml': `default-docker:\n  lookaside: ${where}\n` },
  });
  add({ row: '9', name: 'an absolute path without a scheme', image: '{R}/test/gpgsigned:v1', ...lookaside('/srv/sigs') });
  add({ row: '9', name: 'a relative path without a scheme', image: '{R}/test/gpgsigned:v1', ...lookaside('sigs') });
  add({ row: '9', name: 'an unsupported scheme', image: '{R}/test/gpgsigned:v1', ...lookaside('ftp://127.0.0.1/sigs') });
  add({ row: '9', name: 'a schemeless lookaside that is never read (accept anything)', image: UNSIGNED, ...lookaside('/srv/sigs'), files: { 'gpg1.json': ACCEPT, 'regd/default.yaml': 'default-docker:\n  lookaside: /srv/sigs\n' } });
  add({ row: '9', name: 'a schemeless lookaside and a manifest list (accept anything)', image: '{R}/test/multi:v1', ...lookaside('/srv/sigs'), files: { 'gpg1.json': ACCEPT, 'regd/default.yaml': 'default-docker:\n  lookaside: /srv/sigs\n' } });
  add({ row: '10', name: 'an http lookaside that refuses connections', image: '{R}/test/gpgsigned:v1', ...lookaside('http://127.0.0.1:{REFUSED}/sigs') });
  add({ row: '10', name: 'a refused lookaside under accept anything: the pull fails reading signatures', image: UNSIGNED, ...lookaside('http://127.0.0.1:{REFUSED}/sigs'), files: { 'gpg1.json': ACCEPT, 'regd/default.yaml': 'default-docker:\n  lookaside: http://127.0.0.1:{REFUSED}/sigs\n' } });
  add({ row: '10', name: 'an https lookaside that refuses connections', image: '{R}/test/gpgsigned:v1', ...lookaside('https://127.0.0.1:{REFUSED}/sigs') });

  // ---- rows 11–13: TLS roots and client certificates
  add({ row: '11', name: 'SSL_CERT_FILE names the registry CA', image: TLS_SIGNED, ...accept(TLS_CREDS), skopeoCopy: TLS_SKOPEO_CREDS, env: { SSL_CERT_FILE: '{O}/reg-tls/certs/ca.crt' } });
  add({ row: '11', name: 'SSL_CERT_DIR holds the registry CA', image: TLS_SIGNED, ...accept(TLS_CREDS), skopeoCopy: TLS_SKOPEO_CREDS, files: { 'ssl/ca.pem': '@{O}/reg-tls/certs/ca.crt' }, env: { SSL_CERT_DIR: '{W}/ssl' } });
  add({ row: '11', name: 'SSL_CERT_DIR with several directories', image: TLS_SIGNED, ...accept(TLS_CREDS), skopeoCopy: TLS_SKOPEO_CREDS, files: { 'ssl/ca.pem': '@{O}/reg-tls/certs/ca.crt' }, env: { SSL_CERT_DIR: '{W}/none:{W}/ssl' } });
  add({ row: '12', name: 'an unknown CA', image: TLS_SIGNED, ...accept(TLS_CREDS), skopeoCopy: TLS_SKOPEO_CREDS });
  add({ row: '12', name: 'SSL_CERT_FILE naming a file without the CA', image: TLS_SIGNED, ...accept(TLS_CREDS), skopeoCopy: TLS_SKOPEO_CREDS, files: { 'other.pem': '@{O}/pki/pki-root.crt' }, env: { SSL_CERT_FILE: '{W}/other.pem' } });
  add({
    row: '13', name: 'client .cert and .key that do not match', image: TLS_SIGNED, ...accept([...TLS_CREDS, '--cert-dir', '{W}/certs']),
    skopeoCopy: [...TLS_SKOPEO_CREDS, '--src-cert-dir', '{W}/certs'],
    files: { 'certs/ca.crt': '@{O}/reg-tls/certs/ca.crt', 'certs/client.cert': '@{O}/reg-tls/certs/server.crt', 'certs/client.key': '@{O}/reg-tls/certs/ca.key' },
  });
  add({
    row: '13', name: 'a mismatched pair in certs.d on a plain registry (checked before any connection)', image: UNSIGNED,
    ...accept(['--tls-verify=false', '--cert-dir', '{W}/certs']), skopeoCopy: ['--src-tls-verify=false', '--src-cert-dir', '{W}/certs'],
    files: { 'certs/client.cert': '@{O}/reg-tls/certs/server.crt', 'certs/client.key': '@{O}/reg-tls/certs/ca.key' },
  });
  add({
    row: '13', name: 'a matching client pair is accepted', image: TLS_SIGNED, ...accept([...TLS_CREDS, '--cert-dir', '{W}/certs']),
    skopeoCopy: [...TLS_SKOPEO_CREDS, '--src-cert-dir', '{W}/certs'],
    files: { 'certs/ca.crt': '@{O}/reg-tls/certs/ca.crt', 'certs/client.cert': '@{O}/reg-tls/certs/server.crt', 'certs/client.key': '@{O}/reg-tls/certs/server.key' },
  });

  // ---- row 14: invalid references are an error for that image, in c/image's words
  for (const ref of [
    '{R}/Test/signed:v1',
    '{R}/test/signed:v1@sha256:0000000000000000000000000000000000000000000000000000000000000000',
    '@sha256:abc',
    '{R}/test/signed@sha256:abc',
    '{R}/test/signed:v1:extra',
    '{R}/test//signed:v1',
    '{R}/test/signed:',
    '{R}/test/-signed:v1',
    '0000000000000000000000000000000000000000000000000000000000000000',
    '{R}/test/signed@md5:00000000000000000000000000000000',
    '{R}/test/signed:' + 't'.repeat(129),
  ]) {
    add({ row: '14', name: `invalid reference ${ref.slice(0, 60)}`, image: ref, ...accept(['--tls-verify=false']), skopeoCopy: ['--src-tls-verify=false'] });
  }

  // ---- row 15: a manifest list without the wanted platform
  add({
    row: '15', name: 'a manifest list without linux/s390x', image: '{R}/test/multi:v1', ...accept(['--tls-verify=false', '--platform', 'linux/s390x'], ['--override-os', 'linux', '--override-arch', 's390x']),
    skopeoCopy: ['--src-tls-verify=false'],
  });
  add({ row: '15', name: 'a manifest list, this machine (the --platform default)', image: '{R}/test/multi:v1', ...accept(['--tls-verify=false']), skopeoCopy: ['--src-tls-verify=false'] });

  // ---- flags as skopeo users type them, and defaults through the command line
  add({ row: 'flags', name: '--timeout abc is a usage error (skopeo: --command-timeout abc)', image: UNSIGNED, ...accept(['--tls-verify=false', '--timeout', 'abc'], ['--command-timeout', 'abc']), skopeoCopy: ['--src-tls-verify=false'] });
  add({ row: 'flags', name: '--from-file: name:tag@digest is read as CRI-O pulls it (name@digest)', image: '', skopeoImage: 'docker://{R}/test/signed@{DIGEST:test/signed:v1}', args: ['--policy', '{W}/key1.json', '--registries.d', '{W}/regd', '--tls-verify=false', '--from-file', '{W}/list.txt'], skopeoGlobal: ['--policy', '{W}/key1.json', '--registries.d', '{W}/regd'], skopeoCopy: ['--src-tls-verify=false'], files: { 'key1.json': SIGSTORE_KEY1, 'regd/default.yaml': ATTACHMENTS, 'list.txt': '{R}/test/signed:v1@{DIGEST:test/signed:v1}\n' } });
  add({ row: 'defaults', name: 'no --policy, no user file: /etc/containers/policy.json decides', image: UNSIGNED, ...plain, etc: { 'containers/policy.json': REJECT }, skopeoGlobal: ['--policy', '{W}/etc/containers/policy.json'] });
  add({ row: 'defaults', name: 'no --creds and no auth file: anonymous', image: TLS_SIGNED, ...accept(['--cert-dir', CA]), skopeoCopy: ['--src-cert-dir', CA] });
  add({ row: 'defaults', name: '--creds given', image: TLS_SIGNED, ...accept(['--cert-dir', CA, ...TLS_CREDS]), skopeoCopy: ['--src-cert-dir', CA, ...TLS_SKOPEO_CREDS] });
  return cases;
}
