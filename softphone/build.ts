import path from 'node:path';
import { build, stop, type BuildOptions } from 'esbuild';
import { softphoneBuildDir, softphoneDir as here } from './paths.js';

/** What every page bundle shares: ESM for current browsers, source maps, licences beside the bundle. */
export const browserBundle = (options: { minify?: boolean }): BuildOptions => ({
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome110', 'firefox110', 'safari16'],
  sourcemap: true,
  minify: options.minify ?? false,
  legalComments: 'linked',
  logLevel: 'silent',
});

/**
 * Bundles the softphone (`softphone/src/main.ts`, with sip.js and the CSS it imports) into
 * `api/public/build/softphone.js` and `softphone.css` (`outdir`: elsewhere; `npm run build` puts
 * them under dist/). Called by `npm start` in development (with `stopBuilder`), `npm run build` and the browser tests.
 */
export async function buildSoftphone(options: { minify?: boolean; stopBuilder?: boolean; outdir?: string } = {}): Promise<{ js: string; css: string }> {
  const outdir = options.outdir ?? softphoneBuildDir;
  await build({ ...browserBundle(options), entryPoints: { softphone: path.join(here, 'src/main.ts') }, outdir });
  // esbuild keeps a service process for later builds; a one-off build (npm start) stops it.
  if (options.stopBuilder) await stop();
  return { js: path.join(outdir, 'softphone.js'), css: path.join(outdir, 'softphone.css') };
}
