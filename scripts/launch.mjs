// @ts-check
/**
 * `npm start`. Plain JavaScript: it runs before anything is compiled, and without tsx in production.
 * Production (NODE_ENV=production): the compiled supervisor, dist/scripts/start.js, which runs the
 * compiled API and workers; refused, naming `npm run build`, when dist/ is missing or older than the
 * sources it was built from (dist/build.json lists them). Development: scripts/start.ts through tsx.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.dirname(import.meta.dirname);

if (process.env.NODE_ENV === 'production') {
  const problem = buildProblem();
  if (problem) {
    console.error(`[start] ${problem}: run npm run build`);
    process.exit(1);
  }
  // Stack traces name the TypeScript sources, as the API and the workers do (--enable-source-maps).
  process.setSourceMapsEnabled(true);
  await import('../dist/scripts/start.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./start.ts');
}

/** Why dist/ cannot be run, or null. */
function buildProblem() {
  const stamp = path.join(root, 'dist', 'build.json');
  if (!existsSync(stamp)) return 'dist/ is missing or its build did not finish';
  /** @type {{ startedAt: number, sources: string[], notSources: string[] }} */
  const { startedAt, sources, notSources } = JSON.parse(readFileSync(stamp, 'utf8'));
  const skipped = new Set(notSources.map((file) => path.join(root, file)));
  for (const source of sources) {
    const changed = changedSince(path.join(root, source), startedAt, skipped);
    if (changed) return `dist/ is older than the sources (${path.relative(root, changed)} changed after the build)`;
  }
  return null;
}

/**
 * The first file under `file` (itself when it is not a folder) modified after `time`, or null.
 * Documentation (*.md) and the `skipped` paths do not count.
 * @param {string} file
 * @param {number} time
 * @param {Set<string>} skipped
 * @returns {string | null}
 */
function changedSince(file, time, skipped) {
  if (skipped.has(file) || !existsSync(file)) return null;
  const stat = statSync(file);
  if (!stat.isDirectory()) return !file.endsWith('.md') && stat.mtimeMs > time ? file : null;
  for (const name of readdirSync(file)) {
    const changed = changedSince(path.join(file, name), time, skipped);
    if (changed) return changed;
  }
  return null;
}
