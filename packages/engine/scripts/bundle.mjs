// Bundles the CLI (dist/bundle/cli.js, plus chunks that each command loads when it runs) for
// `bin/readybook.js`. Loading ~400 small
// ES modules (zod, yaml, micromark, …) costs the CLI more at every start than the work of most
// commands; a bundle starts in about half the time (ADR 0011). The library entry points
// (`@readybook/engine`, `./parse`, `./checklist`) stay unbundled for the docs site.
// zx and @inquirer/confirm stay external: both are loaded only when needed, and js blocks import
// zx from node_modules themselves.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

// Chunk names are content hashes: without this, every build would leave the last one's chunks behind.
rmSync('dist/bundle', { recursive: true, force: true });

await build({
  entryPoints: { cli: 'dist/cli/main.js' },
  outdir: 'dist/bundle',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  chunkNames: 'chunk-[hash]',
  platform: 'node',
  format: 'esm',
  target: 'node20.19',
  external: ['zx', 'zx/*', '@inquirer/confirm', '@inquirer/input', '@inquirer/password', 'pg-native'],
  // CommonJS dependencies (yaml) call require() for Node built-ins.
  banner: { js: "import { createRequire as __readybookRequire } from 'node:module'; const require = __readybookRequire(import.meta.url);" },
  legalComments: 'linked',
  logLevel: 'warning',
});
