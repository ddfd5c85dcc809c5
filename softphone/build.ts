import path from 'node:path';
import { buildPages } from '../infra/bundles/build.js';
import { softphoneBuildDir, softphoneDir as here } from './paths.js';

/**
 * Bundles the softphone (`softphone/src/main.ts`, with sip.js and the CSS it imports) into
 * `api/public/build/softphone/assets/`, and writes its page (`index.html`) beside (`outdir`:
 * elsewhere; `npm run build` puts them under dist/, for production). Called by `npm start` in
 * development (with `stopBuilder`), `npm run build` and the browser tests.
 */
export async function buildSoftphone(options: { production?: boolean; stopBuilder?: boolean; outdir?: string } = {}): Promise<void> {
  await buildPages({
    ...options,
    entryPoints: { softphone: path.join(here, 'src/main.ts') },
    pages: { index: path.join(here, 'index.html') },
    outdir: options.outdir ?? softphoneBuildDir,
    assetsUrl: '/softphone/assets/',
  });
}
