/**
 * Classifies JSON lines from stdin with the committed routing model:
 *   {"id": "...", "text": "..."}   (text: raw Chinese or space-separated tokens)
 * → {"id": "...", "category": "...", "confidence": 0.97, "top3": ["...", "...", "..."]}
 * One output line per input line as it arrives; stdout carries nothing else. A malformed line is
 * reported on stderr with its number and the others still go through; the exit code is then 1.
 */
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { loadCommittedClassifier } from '../../core/routing/classifier.js';

interface Request {
  readonly id: string | number;
  readonly text: string;
}

/** The request, or why the line is not one. */
function parseRequest(line: string): Request | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'not valid JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const { id, text } = value as Record<string, unknown>;
  if (typeof id !== 'string' && typeof id !== 'number') return '"id" must be a string or a number';
  if (typeof text !== 'string') return '"text" must be a string';
  return { id, text };
}

const classifier = await loadCommittedClassifier();
let lineNumber = 0;
let malformed = 0;
for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  lineNumber += 1;
  if (line.trim() === '') continue;
  const request = parseRequest(line);
  if (typeof request === 'string') {
    malformed += 1;
    process.stderr.write(`line ${lineNumber}: ${request}\n`);
    continue;
  }
  const { category, confidence, top3 } = classifier.classify(request.text);
  const output = {
    id: request.id,
    category,
    confidence: Number(confidence.toFixed(4)),
    top3: top3.map((candidate) => candidate.category),
  };
  // Respect back-pressure so thousands of lines into a slow reader do not pile up in memory.
  if (!process.stdout.write(`${JSON.stringify(output)}\n`)) await once(process.stdout, 'drain');
}
if (malformed > 0) {
  process.stderr.write(`${malformed} malformed line(s) of ${lineNumber}\n`);
  process.exitCode = 1;
}
