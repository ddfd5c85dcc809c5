import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** softphone/ (the sources) and where its build goes (git-ignored): the page, and the bundle in assets/ (served at /softphone/assets/). */
export const softphoneDir = path.dirname(fileURLToPath(import.meta.url));
export const softphoneBuildDir = path.resolve(softphoneDir, '../api/public/build/softphone');
