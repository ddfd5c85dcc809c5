import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadClassifier, loadCommittedClassifier, serialiseModel } from './classifier.js';
import type { ClassifierModel, RoutingClassifier } from './classifier.js';

/**
 * Where a retrained routing model lives (a file under DATA_DIR), and the classifier the routing
 * uses: the retrained one when there is one, else the committed model. Every process that routes
 * notices a newer file on its next use, so a model promoted by one worker reaches all of them.
 */
export class RoutingModelStore {
  private loaded: { mtimeMs: number | null; classifier: Promise<RoutingClassifier> } | null = null;

  /** `dir` null: no place to keep a retrained model; the committed one is used. */
  constructor(private readonly dir: string | null) {}

  private get path(): string | null {
    return this.dir === null ? null : join(this.dir, 'classifier.json');
  }

  async classifier(): Promise<RoutingClassifier> {
    const mtimeMs = await this.storedAt();
    if (this.loaded?.mtimeMs !== mtimeMs) {
      const path = this.path;
      const classifier = mtimeMs === null || path === null ? loadCommittedClassifier() : readFile(path, 'utf8').then((json) => loadClassifier(JSON.parse(json)));
      this.loaded = { mtimeMs, classifier };
      // A failed load must not stick: the next use tries again.
      classifier.catch(() => {
        if (this.loaded?.classifier === classifier) this.loaded = null;
      });
    }
    return this.loaded.classifier;
  }

  /** Written aside and renamed: a process reading at the same time sees the old file or the new, never half of one. */
  async save(model: ClassifierModel): Promise<void> {
    const { dir, path } = this;
    if (dir === null || path === null) throw new Error('The routing model store has no directory.');
    await mkdir(dir, { recursive: true });
    const aside = `${path}.${process.pid}.tmp`;
    await writeFile(aside, serialiseModel(model));
    await rename(aside, path);
  }

  private async storedAt(): Promise<number | null> {
    if (this.path === null) return null;
    try {
      return (await stat(this.path)).mtimeMs;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }
}
