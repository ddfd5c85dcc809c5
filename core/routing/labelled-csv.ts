import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseCsvRecords } from '../platform/csv.js';
import type { DataFileDigest, LabelledText } from './classifier.js';

export async function readCsvRecords(path: string): Promise<Record<string, string>[]> {
  return parseCsvRecords(await readFile(path, 'utf8'), path);
}

/** Labelled messages of a CSV with the columns text_tokens and category (train.csv, dev.csv, corrections). */
export async function readLabelledCsv(path: string): Promise<LabelledText[]> {
  return (await readCsvRecords(path)).map((record) => {
    const text = record.text_tokens;
    const category = record.category;
    if (text === undefined || category === undefined) throw new Error(`${path} needs the columns text_tokens and category.`);
    return { text: text.trim(), category: category.trim() };
  });
}

/** What a model records of the files it was trained and measured on. */
export async function fileDigest(path: string, rows: number): Promise<DataFileDigest> {
  const sha256 = createHash('sha256').update(await readFile(path)).digest('hex');
  return { file: basename(path), sha256, rows };
}
