import path from 'node:path';
import { buildPages } from '../infra/bundles/build.js';
import { consoles, consolesBuildDir, consolesDir } from './paths.js';

/**
 * Bundles every console (`consoles/<name>/main.ts` with the CSS and libraries it imports, ECharts
 * included, so nothing loads from another origin) into `api/public/build/consoles/assets/`, and
 * writes their pages (`<name>/index.html`, and `index.html`, the list of consoles) beside
 * (`outdir`: elsewhere; `npm run build` puts them under dist/, for production). Called by
 * `npm start` in development (with `stopBuilder`), `npm run build` and the browser tests.
 */
export async function buildConsoles(options: { production?: boolean; stopBuilder?: boolean; outdir?: string } = {}): Promise<void> {
  const names = Object.keys(consoles);
  await buildPages({
    ...options,
    entryPoints: Object.fromEntries(names.map((name) => [name, path.join(consolesDir, name, 'main.ts')])),
    pages: { ...Object.fromEntries(names.map((name) => [name, path.join(consolesDir, name, 'index.html')])), index: path.join(consolesDir, 'index.html') },
    outdir: options.outdir ?? consolesBuildDir,
    assetsUrl: '/console/assets/',
  });
}
