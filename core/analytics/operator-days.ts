import type { CallRecord } from '../calls/call-record.js';
import { chinaDateKey } from '../clocks/index.js';
import type { RollupDelta } from './department-counters.js';

/** What one answered inbound call adds to its operator's day (the `operators` roll-up). */
export const operatorCounterNames = ['answered', 'answerSeconds', 'handleSeconds', 'resolvedOnCall'] as const;
export type OperatorCounterName = (typeof operatorCounterNames)[number];
export type OperatorCounts = Record<OperatorCounterName, number>;
export const noOperatorCounts = (): OperatorCounts => ({ answered: 0, answerSeconds: 0, handleSeconds: 0, resolvedOnCall: 0 });

type FigureFields = Pick<CallRecord, 'direction' | 'outcome' | 'answeredAt' | 'operatorId' | 'queueSeconds' | 'ringSeconds' | 'talkSeconds' | 'afterCallWorkSeconds' | 'resolvedOnCall'>;

/**
 * Where a call record counts in the operator figures, and what it adds: an inbound call answered
 * by a known operator counts on the China day it was answered. The same selection and sums as
 * `CallRecords.operatorFigures`, which reads the records themselves. Pure.
 */
export function operatorDayOf(record: FigureFields | null): { day: string; operatorId: string; counts: OperatorCounts } | null {
  if (!record || record.direction !== 'inbound' || record.outcome !== 'answered' || !record.answeredAt || !record.operatorId) return null;
  return {
    day: chinaDateKey(new Date(record.answeredAt)),
    operatorId: record.operatorId,
    counts: {
      answered: 1,
      answerSeconds: (record.queueSeconds ?? 0) + (record.ringSeconds ?? 0),
      handleSeconds: (record.talkSeconds ?? 0) + (record.afterCallWorkSeconds ?? 0),
      resolvedOnCall: record.resolvedOnCall ? 1 : 0,
    },
  };
}

/**
 * What one write of a call record changes in the operators' days: its figures after the write
 * minus its figures before (null: the record did not exist). Pure; empty when the write changes
 * nothing the figures read (a browser report, a ticket link without 直办, a ringing call).
 */
export function operatorDayDeltas<R extends FigureFields>(before: R | null, after: R | null): RollupDelta[] {
  const deltas = new Map<string, RollupDelta>();
  const add = (figures: ReturnType<typeof operatorDayOf>, sign: 1 | -1) => {
    if (!figures) return;
    const id = `${figures.day}\n${figures.operatorId}`;
    const delta = deltas.get(id) ?? { kind: 'operators' as const, day: figures.day, keys: [figures.operatorId], counts: {} };
    for (const name of operatorCounterNames) delta.counts[name] = (delta.counts[name] ?? 0) + sign * figures.counts[name];
    deltas.set(id, delta);
  };
  add(operatorDayOf(before), -1);
  add(operatorDayOf(after), 1);
  return [...deltas.values()]
    .map((d) => ({ ...d, counts: Object.fromEntries(Object.entries(d.counts).filter(([, v]) => v !== 0)) }))
    .filter((d) => Object.keys(d.counts).length > 0);
}
