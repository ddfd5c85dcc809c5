import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/** Longer than any dialable number with separators: such text is no phone number. */
const maxPhoneLength = 64;
/** What may surround the digits of a number as people and trunks write it. */
const phoneText = /^\(?\+?[\d\s\-()./]+$/;

/**
 * The one form a phone number is stored, compared and looked up in, whatever form it arrived in:
 * a mainland China number as dialled within the mainland, digits only (mobile `13800138000`,
 * landline with its area code `01062345678`), whether it came with `+86`/`0086`/`86`, separators
 * or in a SIP or tel URI; a number abroad in E.164 (`+85221234567`); digits that are no known
 * number (a service number like `95588`, a landline without area code) as their digits.
 * null when the text is no number at all: a withheld caller (`anonymous`, `unavailable`, empty),
 * a SIP name such as an operator's `op-…` user, or text too long to be one. Pure.
 */
export function canonicalPhone(raw: string | null | undefined): string | null {
  const text = userPart(raw?.trim() ?? '');
  if (!text || text.length > maxPhoneLength || !phoneText.test(text)) return null;
  const digits = text.replace(/\D/g, '');
  if (digits.length < 3 || digits.length > 20) return null;
  const international = /^\(?\+/.test(text) ? `+${digits}` : digits.startsWith('00') ? `+${digits.slice(2)}` : digits;
  const parsed = parsePhoneNumberFromString(international, 'CN');
  if (!parsed?.isValid()) return international;
  return parsed.country === 'CN' ? parsed.formatNational().replace(/\D/g, '') : parsed.number;
}

/** Whether two texts name the same phone number; never for texts that are no number. */
export function samePhone(a: string | null | undefined, b: string | null | undefined): boolean {
  const first = canonicalPhone(a);
  return first !== null && first === canonicalPhone(b);
}

/** The user part of `Name <sip:user@host>`, `sip:user@host;…` or `tel:+86…;…`; other text as it is. */
function userPart(text: string): string {
  const uri = /<([^>]*)>/.exec(text)?.[1] ?? text;
  const scheme = /^(sips?|tel):/i.exec(uri);
  if (!scheme) return text;
  const rest = uri.slice(scheme[0].length);
  return rest.split(/[@;?]/, 1)[0] ?? '';
}
