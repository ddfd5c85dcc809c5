import { DomainError } from './errors.js';
import { isValidObjectId } from 'mongoose';

/** Whether a string can be an ObjectId at all: 24 hexadecimal characters. */
export const isObjectIdString = (id: string): boolean => isValidObjectId(id) && /^[0-9a-f]{24}$/i.test(id);

/** Ids travel as strings; an id that cannot exist is simply "not found", never a server error. */
export function assertId(id: string, entity: string): void {
  if (!isObjectIdString(id)) {
    throw new DomainError(`${entity.toUpperCase()}_NOT_FOUND`, `No ${entity} with id ${id}.`, { id });
  }
}

export function notFound(entity: string, id: string): DomainError {
  return new DomainError(`${entity.toUpperCase()}_NOT_FOUND`, `No ${entity} with id ${id}.`, { id });
}

/** A compare-and-set write lost: someone changed the record since the caller read it. */
export function versionConflict(entity: string, id: string, current: number): DomainError {
  return new DomainError(
    'VERSION_CONFLICT',
    `The ${entity} was changed by someone else (now version ${current}); reload and try again.`,
    { id, currentVersion: current },
  );
}

/** Field-level changes for the audit trail. */
export function diff(before: Record<string, unknown>, after: Record<string, unknown>): Record<string, { from: unknown; to: unknown }> {
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const key of Object.keys(after)) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) changes[key] = { from: before[key] ?? null, to: after[key] };
  }
  return changes;
}

/** A write refused by a unique index: recognised by the driver's error code, never its message. */
export const isDuplicateKey = (err: unknown): boolean => (err as { code?: number } | null)?.code === 11000;
