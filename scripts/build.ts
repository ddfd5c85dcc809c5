import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { buildConsoles } from '../consoles/build.js';
import { consolesBuildDir } from '../consoles/paths.js';
import { projectRoot } from '../infra/documentdb/launcher.js';
import { buildSoftphone } from '../softphone/build.js';
import { softphoneBuildDir } from '../softphone/paths.js';

/**
 * `npm run build`: what production runs, in dist/ (git-ignored). tsc compiles the server side
 * (tsconfig.build.json: api/, workers/, core/, infra/, scripts/, templates/ and what they import)
 * to ESM in the same layout; the files the compiled code reads beside itself are copied next to
 * it; the softphone and the consoles are bundled, minified and compressed, with their pages, where
 * the compiled API serves them.
 * dist/build.json comes last: `npm start` in production refuses a dist/ without it, or one older
 * than the sources it lists.
 */
const startedAt = Date.now();
const dist = path.join(projectRoot, 'dist');
/** The folders tsc compiles from, and those of the pages the API serves. */
const serverDirs = ['api', 'workers', 'core', 'infra', 'scripts', 'templates'];
const pageDirs = ['consoles', 'softphone'];
/**
 * What the compiled code reads relative to its own file: e-mail and SMS templates, the classifier
 * model, the category data, kamailio.cfg. (The pages' HTML is written with their bundles.)
 */
const assetExtensions = new Set(['.hbs', '.json', '.csv', '.cfg']);

rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const compiled = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: projectRoot, stdio: 'inherit' });
if (compiled.status !== 0) {
  console.error('[build] tsc failed');
  process.exit(1);
}

let assets = 0;
for (const dir of serverDirs) {
  for (const file of filesUnder(path.join(projectRoot, dir))) {
    if (!assetExtensions.has(path.extname(file))) continue;
    const target = path.join(dist, path.relative(projectRoot, file));
    mkdirSync(path.dirname(target), { recursive: true });
    copyFileSync(file, target);
    assets += 1;
  }
}

const inDist = (dir: string) => path.join(dist, path.relative(projectRoot, dir));
await buildSoftphone({ production: true, outdir: inDist(softphoneBuildDir) });
await buildConsoles({ production: true, stopBuilder: true, outdir: inDist(consolesBuildDir) });

// What the freshness check reads: the sources, less the bundles development builds among them.
const sources = [...serverDirs, ...pageDirs, 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];
const notSources = [softphoneBuildDir, consolesBuildDir].map((dir) => path.relative(projectRoot, dir));
writeFileSync(path.join(dist, 'build.json'), `${JSON.stringify({ startedAt, sources, notSources }, null, 2)}\n`);
console.log(`[build] dist/ in ${((Date.now() - startedAt) / 1000).toFixed(1)} s: the compiled server, ${assets} files beside it, the minified and compressed softphone and consoles`);

function* filesUnder(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* filesUnder(full);
    else if (entry.isFile()) yield full;
  }
}
