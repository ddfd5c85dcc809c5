import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** softphone/ (index.html) and where its bundle goes (git-ignored; served at /softphone/assets/). */
export const softphoneDir = path.dirname(fileURLToPath(import.meta.url));
export const softphoneBuildDir = path.resolve(softphoneDir, '../api/public/build');
