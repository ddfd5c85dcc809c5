import path from 'node:path';
import { fileURLToPath } from 'node:url';

export { consoles, type ConsoleName } from './shared/pages.js';

/** consoles/ (the pages) and where their bundles go (git-ignored; served at /console/assets/). */
export const consolesDir = path.dirname(fileURLToPath(import.meta.url));
export const consolesBuildDir = path.resolve(consolesDir, '../api/public/build/consoles');
