import path from 'node:path';
import { build, stop } from 'esbuild';
import { browserBundle } from '../softphone/build.js';
import { consoles, consolesBuildDir, consolesDir } from './paths.js';

/**
 * Bundles every console (`consoles/<name>/main.ts` with the CSS and libraries it imports, ECharts
 * included, so nothing loads from another origin) into `api/public/build/consoles/<name>.js` and
 * `<name>.css` (`outdir`: elsewhere; `npm run build` puts them under dist/). Called by `npm start`
 * in development (with `stopBuilder`), `npm run build` and the browser tests.
 */
export async function buildConsoles(options: { minify?: boolean; stopBuilder?: boolean; outdir?: string } = {}): Promise<void> {
  await build({
    ...browserBundle(options),
    entryPoints: Object.fromEntries(Object.keys(consoles).map((name) => [name, path.join(consolesDir, name, 'main.ts')])),
    // ECharts goes to a chunk of its own, loaded by the supervisor's console only.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    outdir: options.outdir ?? consolesBuildDir,
  });
  if (options.stopBuilder) await stop();
}
