import path from 'node:path';
import { build, stop } from 'esbuild';
import { browserBundle } from '../softphone/build.js';
import { consoles, consolesBuildDir, consolesDir } from './paths.js';

/**
 * Bundles every console (`consoles/<name>/main.ts` with the CSS and libraries it imports, ECharts
 * included, so nothing loads from another origin) into `api/public/build/consoles/<name>.js` and
 * `<name>.css`. Called by `npm start` (with `stopBuilder`) and the browser tests.
 */
export async function buildConsoles(options: { minify?: boolean; stopBuilder?: boolean } = {}): Promise<void> {
  await build({
    ...browserBundle(options),
    entryPoints: Object.fromEntries(Object.keys(consoles).map((name) => [name, path.join(consolesDir, name, 'main.ts')])),
    // ECharts goes to a chunk of its own, loaded by the supervisor's console only.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    outdir: consolesBuildDir,
  });
  if (options.stopBuilder) await stop();
}
