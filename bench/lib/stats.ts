import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

/** Shared figures for the benchmarks: medians, percentiles, timing, concurrency, machine notes. */

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Nearest-rank percentile (p in 0–100): with 50 samples, p99 is the largest. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

export async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await run();
  return { ms: performance.now() - started, value };
}

export interface ConcurrentRun {
  /** Latency of each task, in milliseconds, in completion order. */
  latencies: number[];
  wallMs: number;
  /** Tasks per second over the wall time. */
  throughput: number;
  errors: number;
  firstError: unknown;
}

/**
 * Runs `count` tasks with at most `concurrency` in flight; each task gets its index. With a budget,
 * no task starts after `budgetMs` (those in flight finish): `latencies.length` says how many ran.
 * With `perSecond`, the load is offered at that rate (task i is due at i / perSecond s) instead of
 * as fast as answers come, and a task's latency counts from when it was due, so that a server
 * falling behind shows its queue in the latencies rather than slowing the clients down.
 */
export async function runConcurrently(
  count: number, concurrency: number, task: (index: number) => Promise<void>, budgetMs = Number.POSITIVE_INFINITY, perSecond = 0,
): Promise<ConcurrentRun> {
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  let firstError: unknown = null;
  const started = performance.now();
  const worker = async () => {
    while (next < count && performance.now() - started < budgetMs) {
      const index = next++;
      const due = perSecond > 0 ? started + (index * 1000) / perSecond : performance.now();
      if (due > performance.now()) await new Promise((resolve) => setTimeout(resolve, due - performance.now()));
      const at = due;
      try {
        await task(index);
        latencies.push(performance.now() - at);
      } catch (err) {
        errors += 1;
        firstError ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  const wallMs = performance.now() - started;
  return { latencies, wallMs, throughput: (latencies.length / wallMs) * 1000, errors, firstError };
}

export function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').trim();
  } catch {
    return 'unavailable';
  }
}

export function machineNotes(): string {
  const cpu = cpus();
  return `${cpu[0]?.model ?? 'unknown CPU'} × ${cpu.length}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}`;
}

export const ms = (value: number): string =>
  Number.isNaN(value) ? '–' : value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : value >= 100 ? `${value.toFixed(0)} ms` : `${value.toFixed(1)} ms`;

export const rate = (value: number): string => (value >= 100 ? value.toFixed(0) : value >= 1 ? value.toFixed(1) : value.toFixed(3));

/** A plain-text table: the first column left-aligned, the others right-aligned. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
