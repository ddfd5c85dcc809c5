import { z } from 'zod';

export const objectId = z.string().regex(/^[0-9a-fA-F]{24}$/, 'must be a 24-character hexadecimal id');
/** A China date, `YYYY-MM-DD`. */
export const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD');
export const idParams = z.strictObject({ id: objectId });
export const version = z.number().int().positive().meta({ description: 'The version you read; a stale one gets 409 VERSION_CONFLICT' });
export const queryBoolean = z.enum(['true', 'false']).transform((v) => v === 'true');
export const email = z.email().max(200);
export const phone = z.string().regex(/^\+?[0-9-]{3,20}$/, 'must be a phone number (digits, optional + and -)');
