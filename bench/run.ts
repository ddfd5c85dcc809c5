import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** `npm run bench -- <name> [args]` runs bench/<name>.ts; without a name it lists the benchmarks. */
const here = path.dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here).filter((f) => f.endsWith('.ts') && f !== 'run.ts').map((f) => f.slice(0, -3));
const [name, ...args] = process.argv.slice(2);
if (!name || !available.includes(name)) {
  console.log(`benchmarks: ${available.join(', ') || '(none yet)'}\nusage: npm run bench -- <name> [args]`);
  process.exit(name ? 2 : 0);
}
const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, `${name}.ts`), ...args], { stdio: 'inherit' });
process.exit(result.status ?? 1);
