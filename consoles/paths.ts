import path from 'node:path';
import { fileURLToPath } from 'node:url';

export { consoles, type ConsoleName } from './shared/pages.js';

/** consoles/ (the sources) and where their build goes (git-ignored): the pages, and the bundles in assets/ (served at /console/assets/). */
export const consolesDir = path.dirname(fileURLToPath(import.meta.url));
export const consolesBuildDir = path.resolve(consolesDir, '../api/public/build/consoles');
