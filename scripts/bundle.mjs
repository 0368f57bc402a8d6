#!/usr/bin/env node
/**
 * Builds the artifact that the package ships and `bin/imgpolicy.js` runs: the CLI and all its runtime dependencies
 * in one CommonJS file, `build/imgpolicy.cjs`, straight from src/ (esbuild reads TypeScript; no dist/ needed).
 *
 * Why CommonJS: it is what `vm.Script` compiles, so the launcher can keep a V8 code cache for it (see
 * bin/imgpolicy.js); ESM cannot be given cached data on Node 20. Why one file: every `import()` of our own modules
 * and of npm packages becomes a lazy initialiser inside the file, so `--version` still runs only main.ts's own
 * imports, and the verify path does not open 168 files.
 *
 * Robust to code changes: the entry is src/cli/main.ts's `main`; nothing here names a command or a module except
 * the generated Ajv validators (their `createRequire(import.meta.url)` is turned into a plain, bundled `require`).
 *
 *   node scripts/bundle.mjs            # build/imgpolicy.cjs (+ build/meta.json with the size per input)
 */
import { readFileSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'build');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** `const require = createRequire(import.meta.url)` (Ajv standalone output) would resolve at run time, from a
 * package that no longer has node_modules; dropping it lets esbuild bundle what `require` names. */
const inlineCreateRequire = {
  name: 'inline-create-require',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/].*\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('createRequire(import.meta.url)')) return undefined;
      return {
        contents: text
          .replace(/^import \{ createRequire \} from "node:module";$/m, '')
          .replace(/^const require = createRequire\(import\.meta\.url\);$/m, ''),
        loader: 'js',
      };
    });
  },
};

/** seek-bzip (BZIP2 in GPG signatures) calls the deprecated `new Buffer(size)`; Node warns about that (DEP0005) on
 * stderr only for code outside node_modules, which the bundle is. Every call passes a size, so `Buffer.alloc` is the
 * same allocation without the warning. */
const seekBzipBufferAlloc = {
  name: 'seek-bzip-buffer-alloc',
  setup(b) {
    b.onLoad({ filter: /[\\/]seek-bzip[\\/]lib[\\/][^\\/]+\.js$/ }, (args) => ({
      contents: readFileSync(args.path, 'utf8').replace(/\bnew Buffer\(/g, 'Buffer.alloc('),
      loader: 'js',
    }));
  },
};

const entry = `
import { main } from ${JSON.stringify(join(root, 'src/cli/main.ts'))};
module.exports = { main };
`;

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const result = await build({
  stdin: { contents: entry, resolveDir: root, sourcefile: 'imgpolicy-entry.ts', loader: 'ts' },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20.17',
  minify: true,
  legalComments: 'none',
  outfile: join(out, 'imgpolicy.cjs'),
  // import.meta.url (ESM) has no CommonJS equivalent; the bundle's own file URL is the closest truth.
  banner: { js: 'var __bundle_url=require("node:url").pathToFileURL(__filename).href;' },
  define: { __IMGPOLICY_VERSION__: JSON.stringify(pkg.version), 'import.meta.url': '__bundle_url' },
  plugins: [inlineCreateRequire, seekBzipBufferAlloc],
  metafile: true,
  write: false,
  logLevel: 'warning',
});
let code = result.outputFiles[0].text;
// A CommonJS bundle keeps `import("node:…")` for built-ins; under vm.Script that needs a dynamic-import callback.
// `require` of a built-in is synchronous, cheap and always available: use it.
code = code.replace(/\bimport\(("node:[a-z_/]+")\)/g, 'Promise.resolve().then(()=>require($1))');
const external = Object.values(result.metafile.outputs)
  .flatMap((o) => o.imports)
  .filter((i) => i.external && i.kind === 'dynamic-import' && !i.path.startsWith('node:'));
if (external.length > 0) {
  throw new Error(`bundle: import() of ${external.map((i) => i.path).join(', ')} was left to run time; it would fail under vm.Script`);
}
writeFileSync(join(out, 'imgpolicy.cjs'), code);
writeFileSync(join(out, 'meta.json'), JSON.stringify(result.metafile));
console.log(`bundle: build/imgpolicy.cjs ${(code.length / 1024).toFixed(0)} KiB (imgpolicy ${pkg.version})`);
