import path from 'node:path';
import { build, stop } from 'esbuild';
import { consoles, consolesBuildDir, consolesDir } from './paths.js';

/**
 * Bundles every console (`consoles/<name>/main.ts` with the CSS and libraries it imports, ECharts
 * included, so nothing loads from another origin) into `api/public/build/consoles/<name>.js` and
 * `<name>.css`. Called by `npm start` (with `stopBuilder`) and the browser tests.
 */
export async function buildConsoles(options: { minify?: boolean; stopBuilder?: boolean } = {}): Promise<void> {
  await build({
    entryPoints: Object.fromEntries(Object.keys(consoles).map((name) => [name, path.join(consolesDir, name, 'main.ts')])),
    bundle: true,
    format: 'esm',
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    platform: 'browser',
    target: ['chrome110', 'firefox110', 'safari16'],
    outdir: consolesBuildDir,
    sourcemap: true,
    minify: options.minify ?? false,
    legalComments: 'linked',
    logLevel: 'silent',
  });
  if (options.stopBuilder) await stop();
}
