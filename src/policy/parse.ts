/**
 * policy.json → typed {@link Policy}, accepting and refusing exactly what containers/image 5.34 does, with its
 * messages (CRI-O and skopeo users search for them) plus the JSON path, line and column of the offending value.
 *
 * Checking order is upstream's: the whole document must be valid JSON first; then objects are read key by key in
 * document order (duplicate → unknown → the value's own errors, propagated without any prefix), and each object's
 * cross-field rules run after it has been read.
 */
import { access } from 'node:fs/promises';
import { constants as fsConstants } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

import { EvaluationError, PolicyFormatError } from '../errors.js';
import { LIMITS } from '../limits.js';
import { validatePolicyScope } from '../reference/index.js';
import { goQuote } from '../go/fmt.js';
import { readFile } from '../go/os.js';
import { cannotUnmarshal, fail, lenientType, paranoidObject } from './go-decode.js';
import { JsonSyntaxError, readJson, type JsonNode } from '../go/encoding/json/scanner.js';
import { parseSignedBaseLayer, parseTypeOnly } from './requirements/simple.js';
import { parseSignedBy } from './requirements/signed-by.js';
import { parseSigstoreSigned } from './requirements/sigstore-signed.js';
import type { Policy, PolicyRequirement, PolicyRequirements } from './types.js';

export interface ParsePolicyOptions {
  /** Recorded as `Policy.path`; does not change any message (c/image's file wrapping is `loadPolicyFile`'s). */
  readonly path?: string;
}

/**
 * c/image `NewPolicyFromBytes`. Throws {@link PolicyFormatError} whose message is upstream's unwrapped text.
 * Accepts the raw bytes too, so that invalid UTF-8 is seen as Go sees it.
 */
export function parsePolicy(text: string | Uint8Array, opts: ParsePolicyOptions = {}): Policy {
  let root: JsonNode;
  try {
    root = readJson(text).root;
  } catch (e) {
    if (e instanceof JsonSyntaxError) {
      const { path, line, column } = e.location;
      throw new PolicyFormatError(e.message, { path, line, column });
    }
    throw e;
  }

  let defaultReqs: PolicyRequirements | undefined;
  let transports = new Map<string, ReadonlyMap<string, PolicyRequirements>>();
  const obj = paranoidObject(root, (key) => {
    switch (key) {
      case 'default':
        return (v) => {
          defaultReqs = parseRequirements(v);
        };
      case 'transports':
        return (v) => {
          transports = parseTransports(v);
        };
      default:
        return undefined;
    }
  });
  if (defaultReqs === undefined) fail('Default policy is missing', obj.loc);
  return { default: defaultReqs, transports, ...(opts.path !== undefined ? { path: opts.path } : {}) };
}

function parseTransports(node: JsonNode): Map<string, ReadonlyMap<string, PolicyRequirements>> {
  const result = new Map<string, ReadonlyMap<string, PolicyRequirements>>();
  paranoidObject(node, (transport) => (value) => {
    // Transport names are not validated: an unknown one is accepted and simply never matches an image.
    result.set(transport, parseScopes(transport, value));
  });
  return result;
}

function parseScopes(transport: string, node: JsonNode): Map<string, PolicyRequirements> {
  const scopes = new Map<string, PolicyRequirements>();
  paranoidObject(node, (scope) => {
    // A scope the transport itself refuses reads as an unknown key (upstream discards the transport's reason).
    if (scope !== '' && !validatePolicyScope(transport, scope)) return undefined;
    return (value) => {
      scopes.set(scope, parseRequirements(value));
    };
  });
  return scopes;
}

/** `PolicyRequirements.UnmarshalJSON`: a non-empty array; `null` counts as empty. */
function parseRequirements(node: JsonNode): PolicyRequirement[] {
  if (node.kind === 'null' || (node.kind === 'array' && node.items.length === 0)) {
    fail('List of verification policy requirements must not be empty', node.loc);
  }
  if (node.kind !== 'array') cannotUnmarshal(node, '[]json.RawMessage');
  return node.items.map(parseRequirement);
}

/** `newPolicyRequirementFromJSON`: lenient type dispatch, then the type's strict parser. */
export function parseRequirement(node: JsonNode): PolicyRequirement {
  const { type, at } = lenientType(node, 'prCommon', 'prTypeIdentifier');
  switch (type) {
    case 'insecureAcceptAnything':
    case 'reject':
      return parseTypeOnly(node, type);
    case 'signedBy':
      return parseSignedBy(node);
    case 'sigstoreSigned':
      return parseSigstoreSigned(node);
    case 'signedBaseLayer':
      return parseSignedBaseLayer(node);
    default:
      fail(`Unknown policy requirement type ${goQuote(type)}`, at);
  }
}

/**
 * c/image `NewPolicyFromFile`: a read error is the OS error (Go's wording); a parse error is wrapped as
 * `invalid policy in "<path>": <inner>`, keeping our position.
 */
export async function loadPolicyFile(path: string): Promise<Policy> {
  const bytes = await readPolicyBytes(path);
  try {
    return parsePolicy(bytes, { path });
  } catch (e) {
    if (e instanceof PolicyFormatError) {
      throw new PolicyFormatError(`invalid policy in ${goQuote(path)}: ${e.message}`, e.position);
    }
    throw e;
  }
}

/** Reads the whole file (c/image has no limit; we refuse absurd sizes rather than exhaust memory). */
async function readPolicyBytes(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path, { limit: LIMITS.maxPolicyBytes });
  } catch (e) {
    throw new EvaluationError((e as Error).message);
  }
}

export interface DefaultPolicyPathOptions {
  /** `$HOME`; defaults to `env.HOME`, then the OS home directory. */
  readonly homeDir?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** The system-wide file (default `/etc/containers/policy.json`); tests point it elsewhere. */
  readonly systemPath?: string;
}

export const SYSTEM_POLICY_PATH = '/etc/containers/policy.json';
export const USER_POLICY_FILE = '.config/containers/policy.json';

/**
 * c/image `DefaultPolicy` without an explicit path: the user's file if it exists, else the system file if it
 * exists, else an error naming both.
 */
export async function defaultPolicyPath(opts: DefaultPolicyPathOptions = {}): Promise<string> {
  const home = opts.homeDir ?? opts.env?.['HOME'] ?? homedir();
  const user = join(home, USER_POLICY_FILE);
  const system = opts.systemPath ?? SYSTEM_POLICY_PATH;
  if (await exists(user)) return user;
  if (await exists(system)) return system;
  throw new EvaluationError(`no policy.json file found at any of the following: ${goQuote(user)}, ${goQuote(system)}`);
}

/** Like containers/storage `fileutils.Exists`: follows symlinks, any error means "no". */
async function exists(path: string): Promise<boolean> {
  try {
    await access(path, fsConstants.F_OK);
    return true;
  } catch {
    return false;
  }
}
