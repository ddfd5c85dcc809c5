import path from 'node:path';
import { build, stop } from 'esbuild';
import { softphoneBuildDir, softphoneDir as here } from './paths.js';

/**
 * Bundles the softphone (`softphone/src/main.ts`, with sip.js and the CSS it imports) into
 * `api/public/build/softphone.js` and `softphone.css`. Called by `npm start` (with `stopBuilder`) and the browser tests.
 */
export async function buildSoftphone(options: { minify?: boolean; stopBuilder?: boolean } = {}): Promise<{ js: string; css: string }> {
  await build({
    entryPoints: { softphone: path.join(here, 'src/main.ts') },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome110', 'firefox110', 'safari16'],
    outdir: softphoneBuildDir,
    sourcemap: true,
    minify: options.minify ?? false,
    legalComments: 'linked',
    logLevel: 'silent',
  });
  // esbuild keeps a service process for later builds; a one-off build (npm start) stops it.
  if (options.stopBuilder) await stop();
  return { js: path.join(softphoneBuildDir, 'softphone.js'), css: path.join(softphoneBuildDir, 'softphone.css') };
}
