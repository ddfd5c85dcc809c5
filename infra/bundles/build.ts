import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import { build, stop, type Metafile } from 'esbuild';

export interface PagesBuild {
  /** Entry name → its TypeScript source; each becomes `<name>-<hash>.js` (and `.css` when it imports CSS). */
  entryPoints: Record<string, string>;
  /** Page name → its HTML source; each becomes `<outdir>/<name>.html`. */
  pages: Record<string, string>;
  /** Where the pages go; the bundles go to its `assets/` folder, served at `assetsUrl`. */
  outdir: string;
  /** The URL the HTML sources load the bundles from, e.g. `/console/assets/`. */
  assetsUrl: string;
  /** Minified, and compressed as well as brotli and gzip can; otherwise quick to build and to read. */
  production?: boolean;
  /** esbuild keeps a service process for later builds; a one-off build stops it. */
  stopBuilder?: boolean;
}

/** What a page loads of an entry: its script, its style sheet, and the chunks the script imports up front. */
interface Entry { js: string; css?: string; chunks: string[] }

const compressed = new Set(['.js', '.css', '.html']);
const brotli = promisify(brotliCompress);
const gzipped = promisify(gzip);

/**
 * Bundles pages for the browser (ESM for current browsers, source maps, licences beside the bundle)
 * with content-hashed names, so a bundle's URL changes exactly when its content does and browsers
 * may keep it for a year. Code that an entry imports with `import()` goes to chunks of its own,
 * fetched only when that code runs (ECharts: the supervisor's dashboard). The HTML sources name
 * the bundles by entry (`/console/assets/admin.js`); the pages written beside the bundles name the
 * hashed files and preload the chunks each script imports up front. Every page, script and style
 * sheet is also written compressed (`.br`, `.gz`), for infra/bundles/serve.ts to send as they are;
 * files of earlier builds are removed.
 */
export async function buildPages(spec: PagesBuild): Promise<void> {
  const assetsDir = path.join(spec.outdir, 'assets');
  const production = spec.production ?? false;
  const result = await build({
    entryPoints: spec.entryPoints,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome110', 'firefox110', 'safari16'],
    splitting: true,
    entryNames: '[name]-[hash]',
    chunkNames: 'chunks/[name]-[hash]',
    assetNames: '[name]-[hash]',
    outdir: assetsDir,
    sourcemap: true,
    minify: production,
    legalComments: 'linked',
    metafile: true,
    write: false,
    logLevel: 'silent',
  });
  if (spec.stopBuilder) await stop();

  const entries = entriesOf(result.metafile, spec.entryPoints, assetsDir);
  const files = new Map<string, Uint8Array>(result.outputFiles.map((file) => [file.path, file.contents]));
  for (const [name, source] of Object.entries(spec.pages)) {
    const html = pageHtml(await readFile(source, 'utf8'), source, entries, spec.assetsUrl);
    files.set(path.join(spec.outdir, `${name}.html`), Buffer.from(html));
  }
  const written = new Set<string>();
  await Promise.all([...files].map(async ([file, contents]) => {
    await mkdir(path.dirname(file), { recursive: true });
    const versions: [string, Promise<Uint8Array> | Uint8Array][] = [[file, contents]];
    if (compressed.has(path.extname(file))) versions.push([`${file}.br`, compress('br', contents, production)], [`${file}.gz`, compress('gzip', contents, production)]);
    for (const [at, data] of versions) {
      written.add(at);
      await writeFile(at, await data);
    }
  }));
  for (const file of await filesUnder(spec.outdir)) if (!written.has(file)) await rm(file);
}

function compress(encoding: 'br' | 'gzip', contents: Uint8Array, best: boolean): Promise<Uint8Array> {
  if (encoding === 'gzip') return gzipped(contents, { level: best ? 9 : 6 });
  return brotli(contents, { params: { [constants.BROTLI_PARAM_QUALITY]: best ? 11 : 5, [constants.BROTLI_PARAM_SIZE_HINT]: contents.length } });
}

/** Each entry's hashed script and style sheet, and the chunks its script imports statically (transitively), relative to assetsDir. */
function entriesOf(metafile: Metafile, entryPoints: Record<string, string>, assetsDir: string): Map<string, Entry> {
  const nameOf = new Map(Object.entries(entryPoints).map(([name, source]) => [path.resolve(source), name]));
  const relative = (output: string) => path.relative(assetsDir, path.resolve(output)).split(path.sep).join('/');
  const staticChunks = (output: string, seen = new Set<string>()): string[] => {
    for (const imported of metafile.outputs[output]?.imports ?? []) {
      if (imported.kind !== 'import-statement' || seen.has(imported.path)) continue;
      seen.add(imported.path);
      staticChunks(imported.path, seen);
    }
    return [...seen].map(relative);
  };
  const entries = new Map<string, Entry>();
  for (const [output, meta] of Object.entries(metafile.outputs)) {
    const name = meta.entryPoint && nameOf.get(path.resolve(meta.entryPoint));
    if (!name || !output.endsWith('.js')) continue;
    entries.set(name, { js: relative(output), ...(meta.cssBundle ? { css: relative(meta.cssBundle) } : {}), chunks: staticChunks(output) });
  }
  return entries;
}

/** The page with the hashed names of what it loads, and a modulepreload for each chunk its scripts import up front. */
function pageHtml(html: string, source: string, entries: Map<string, Entry>, assetsUrl: string): string {
  const at = assetsUrl.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const chunks = new Set<string>();
  const hashed = html.replace(new RegExp(`"${at}([\\w-]+)\\.(js|css)"`, 'g'), (_, name: string, kind: 'js' | 'css') => {
    const entry = entries.get(name);
    const file = entry?.[kind];
    if (!entry || !file) throw new Error(`${source} loads ${assetsUrl}${name}.${kind}, which no entry point builds`);
    if (kind === 'js') for (const chunk of entry.chunks) chunks.add(chunk);
    return `"${assetsUrl}${file}"`;
  });
  const preloads = [...chunks].map((chunk) => `  <link rel="modulepreload" href="${assetsUrl}${chunk}">\n`).join('');
  return hashed.replace('</head>', `${preloads}</head>`);
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
}
