import assert from 'node:assert/strict';
import { DomainError } from '../../../core/platform/errors.js';
import type { TimeLimit } from '../../../core/clocks/index.js';

/** Every instant in these tests is written in China time with its offset, e.g. `2025-10-09T09:00:00+08:00`. */
export const at = (iso: string): Date => {
  assert.match(iso, /\+08:00$/, 'write test instants with an explicit +08:00');
  return new Date(iso);
};

export const HOUR = 3_600_000;
export const MINUTE = 60_000;

export const workingDays = (amount: number): TimeLimit => ({ amount, unit: 'working_days' });
export const workingHours = (amount: number): TimeLimit => ({ amount, unit: 'working_hours' });
export const calendarHours = (amount: number): TimeLimit => ({ amount, unit: 'calendar_hours' });
export const minutes = (amount: number): TimeLimit => ({ amount, unit: 'minutes' });

export function assertDomainError(action: () => unknown, code: string): void {
  assert.throws(action, (err: unknown) => {
    assert.ok(err instanceof DomainError, `expected a DomainError, got ${String(err)}`);
    assert.equal(err.code, code);
    return true;
  });
}
