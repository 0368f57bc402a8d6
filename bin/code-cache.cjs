'use strict';
/**
 * Runs the bundled CLI (one CommonJS file) through vm.Script with a V8 code cache, so that a start does not
 * re-parse and re-compile ~0.9 MB of JavaScript. Measured against a V8 startup snapshot and plain loading in
 * bench/cold-start.mjs (see bench/README.md for why this one was kept).
 *
 * The cache is tied to the exact Node binary and to the exact bundle, so it is never trusted blindly:
 * - it lives under $XDG_CACHE_HOME/imgpolicy (default ~/.cache/imgpolicy), in a file whose name is a hash of the
 *   Node version, V8 version, architecture, and the bundle's path, size and mtime: another Node or another build
 *   looks for another file;
 * - the file's first line repeats those facts and the SHA-256 of the cached bytes; any mismatch (a copied, truncated
 *   or corrupted file) and the cache is ignored;
 * - V8 checks the data once more (version, flags, source) and may reject it (`cachedDataRejected`).
 * In each of these cases the CLI runs from the plain source, with the same result, and a fresh cache is written
 * at exit, atomically (a temporary file renamed into place). Any error reading or writing the cache is ignored:
 * the cache only ever saves time. IMGPOLICY_CODE_CACHE=0 turns it off.
 */
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { createHash } = require('node:crypto');
const { createRequire } = require('node:module');

const sha256 = (data) => createHash('sha256').update(data).digest('hex');

/** XDG Base Directory: a relative $XDG_CACHE_HOME is invalid and must be ignored. */
function cacheDir(env) {
  const xdg = env.XDG_CACHE_HOME;
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, 'imgpolicy');
  const home = env.HOME || require('node:os').homedir();
  return path.join(home, '.cache', 'imgpolicy');
}

/** What a cache must have been made for: this Node, this V8, this CPU, this very bundle file. */
function cacheIdentity(bundlePath, stat) {
  return {
    node: process.version,
    v8: process.versions.v8,
    arch: process.arch,
    bundle: `${bundlePath}:${stat.size}:${stat.mtimeMs}`,
  };
}

function cacheFileFor(bundlePath, stat, env = process.env) {
  const id = cacheIdentity(bundlePath, stat);
  return path.join(cacheDir(env), `code-${sha256(JSON.stringify(id)).slice(0, 24)}.bin`);
}

/** The cached bytes, or undefined when the file is missing or was not made for exactly this Node and bundle. */
function readCache(file, identity) {
  let raw;
  try {
    raw = fs.readFileSync(file);
  } catch {
    return undefined;
  }
  const nl = raw.indexOf(10);
  if (nl < 0) return undefined;
  let header;
  try {
    header = JSON.parse(raw.subarray(0, nl).toString('utf8'));
  } catch {
    return undefined;
  }
  const data = raw.subarray(nl + 1);
  for (const k of Object.keys(identity)) if (header[k] !== identity[k]) return undefined;
  if (header.sha256 !== sha256(data)) return undefined;
  return data;
}

function writeCache(file, identity, data) {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    fs.writeFileSync(tmp, Buffer.concat([Buffer.from(JSON.stringify({ ...identity, sha256: sha256(data) }) + '\n'), data]), { mode: 0o600 });
    fs.renameSync(tmp, file);
  } catch {
    // A read-only or full disk only costs the next start its speed.
  }
}

/**
 * Loads the bundle and returns its `main`, or undefined when there is no bundle (a checkout without
 * `npm run bundle`: the caller runs dist/ instead).
 */
function runBundle(bundlePath, env = process.env) {
  let source;
  let stat;
  try {
    stat = fs.statSync(bundlePath);
    source = fs.readFileSync(bundlePath, 'utf8');
  } catch (e) {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  }
  const useCache = env.IMGPOLICY_CODE_CACHE !== '0';
  const identity = cacheIdentity(bundlePath, stat);
  const file = useCache ? cacheFileFor(bundlePath, stat, env) : undefined;
  const cachedData = file ? readCache(file, identity) : undefined;
  const script = new vm.Script(require('node:module').wrap(source), { filename: bundlePath, cachedData });
  const mod = { exports: {} };
  script.runInThisContext()(mod.exports, createRequire(bundlePath), mod, bundlePath, path.dirname(bundlePath));
  if (file && (cachedData === undefined || script.cachedDataRejected)) {
    // At exit the functions this run compiled are in the cache too, not only the top level.
    process.once('exit', () => writeCache(file, identity, script.createCachedData()));
  }
  return mod.exports.main;
}

module.exports = { runBundle, cacheFileFor, cacheIdentity, cacheDir };
