import { z } from 'zod';

export const objectId = z.string().regex(/^[0-9a-fA-F]{24}$/, 'must be a 24-character hexadecimal id');

/**
 * The hotline's records live in 2000–2100. A date outside is a typo or a probe, and the far ends
 * of the JavaScript range (years −271821 and +275760) broke storage and ticket numbering.
 */
const firstYear = 2000;
const lastYear = 2100;
const range = `${firstYear}-01-01 … ${lastYear}-12-31`;

/** A China date, `YYYY-MM-DD`, that exists in the calendar. */
export const day = z.iso
  .date({ error: 'must be a date YYYY-MM-DD' })
  .refine((value) => value >= `${firstYear}` && value < `${lastYear + 1}`, `must be within ${range}`);

/** A China month, `YYYY-MM`. */
export const month = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month YYYY-MM')
  .refine((value) => value >= `${firstYear}` && value < `${lastYear + 1}`, `must be within ${range}`);

/**
 * A moment in time at the edge: ISO 8601 with `Z` or an offset, never a number or a boolean
 * (which `new Date` would read as 1970), and never a local time whose zone we would have to guess.
 */
export const instant = z.iso
  .datetime({ offset: true, error: 'must be an ISO 8601 date-time with Z or an offset, e.g. 2026-03-02T10:00:00+08:00' })
  .transform((value, ctx) => {
    const date = new Date(value);
    const year = date.getUTCFullYear();
    if (year < firstYear || year > lastYear) {
      ctx.addIssue({ code: 'custom', message: `must be within ${range}` });
      return z.NEVER;
    }
    return date;
  })
  .meta({ description: `ISO 8601 date-time with Z or an offset, within ${range}` });

/**
 * Text a person wrote; control characters, bidi overrides and lone surrogates are refused for
 * every string before the schemas run (api/http/text.ts).
 */
export const text = (max: number) => z.string().trim().min(1).max(max);
/** One line: names, subjects, addresses, titles. A line break there would forge rows in lists and notices. */
export const line = (max: number) => text(max).regex(/^[^\n\r\t\u2028\u2029]*$/, 'must be a single line (no line breaks or tabs)');
/** A link the consoles will render: only http(s), never javascript:, data: or file:. */
export const webUrl = z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }).max(2000);

export const idParams = z.strictObject({ id: objectId });
export const version = z.number().int().positive().meta({ description: 'The version you read; a stale one gets 409 VERSION_CONFLICT' });
export const queryBoolean = z.enum(['true', 'false']).transform((v) => v === 'true');
export const email = z.email().max(200);
/** A phone number as people write it (`+86 138-0013-8000`, `(010) 6234 5678`); core stores its canonical form. */
export const phone = z
  .string()
  .trim()
  .max(40)
  .regex(/^\(?\+?[0-9\s\-().]+$/, 'must be a phone number (digits, optional +, spaces, - . and parentheses)')
  .refine((value) => value.replace(/\D/g, '').length >= 3, 'must have at least 3 digits');
