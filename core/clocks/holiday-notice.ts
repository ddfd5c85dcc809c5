import { DomainError } from '../platform/errors.js';
import { type DateKey, dateKeyOfDay, dayNumberOfKey, isWeekend } from './china-time.js';
import type { StatutoryYear } from './working-calendar.js';

export const INVALID_HOLIDAY_NOTICE = 'INVALID_HOLIDAY_NOTICE';

/** The State Council's yearly notice as a simple form: each holiday's days, and the weekend days worked instead. */
export interface HolidayNoticeForm {
  holidays: { name: string; from: DateKey; to: DateKey }[];
  workdays: { name: string; date: DateKey }[];
}

const invalidNotice = (field: string, message: string, details: Record<string, unknown> = {}) =>
  new DomainError(INVALID_HOLIDAY_NOTICE, message, { field, ...details });

/** Longest holiday a notice has given (Spring Festival and National Day reach 8–9 days). */
const longestHolidayDays = 10;

function dayOf(field: string, date: DateKey): number {
  try {
    return dayNumberOfKey(date);
  } catch {
    throw invalidNotice(field, `${field}: "${date}" is not a date (YYYY-MM-DD).`, { value: date });
  }
}

/**
 * The notice's days for `year`, checked: every date in that year (or the December before, where a New
 * Year holiday starts), each holiday a forward run of at most ten days, each adjusted working day a
 * Saturday or Sunday outside the holidays, no date twice. Pure.
 */
export function noticeYear(year: number, form: HolidayNoticeForm): StatutoryYear {
  if (form.holidays.length === 0) throw invalidNotice('holidays', 'The notice names no holiday.');
  const days = new Map<number, { working: boolean; name: string }>();
  const inYear = (field: string, day: number) => {
    const date = dateKeyOfDay(day);
    if (!(date.startsWith(`${year}-`) || date.startsWith(`${year - 1}-12-`))) {
      throw invalidNotice(field, `${field}: ${date} is not in ${year} (nor the December before it).`, { value: date });
    }
  };
  form.holidays.forEach((holiday, i) => {
    const field = `holidays[${i}]`;
    if (!holiday.name.trim()) throw invalidNotice(`${field}.name`, `${field}.name: a holiday needs its name.`);
    const from = dayOf(`${field}.from`, holiday.from);
    const to = dayOf(`${field}.to`, holiday.to);
    if (to < from || to - from >= longestHolidayDays) {
      throw invalidNotice(`${field}.to`, `${field}: ${holiday.name} must run forwards and last at most ${longestHolidayDays} days.`, { from: holiday.from, to: holiday.to });
    }
    for (let day = from; day <= to; day++) {
      inYear(`${field}.from`, day);
      if (days.has(day)) throw invalidNotice(`${field}.from`, `${field}: ${dateKeyOfDay(day)} is named twice.`, { value: dateKeyOfDay(day) });
      days.set(day, { working: false, name: holiday.name.trim() });
    }
  });
  form.workdays.forEach((workday, i) => {
    const field = `workdays[${i}].date`;
    const day = dayOf(field, workday.date);
    inYear(field, day);
    if (days.has(day)) throw invalidNotice(field, `${field}: ${workday.date} is named twice.`, { value: workday.date });
    if (!isWeekend(day)) throw invalidNotice(field, `${field}: ${workday.date} is a weekday; an adjusted working day (调休) is a Saturday or Sunday.`, { value: workday.date });
    days.set(day, { working: true, name: workday.name.trim() || '调休' });
  });
  return { year, days: [...days].sort(([a], [b]) => a - b).map(([day, rule]) => ({ date: dateKeyOfDay(day), ...rule })) };
}

const sectionPattern = /[一二三四五六七八九十]+、\s*([^：:\n]+)[：:]([\s\S]*?)(?=[一二三四五六七八九十]+、|$)/g;
const datePattern = /(?:(\d{4})年)?(?:(\d{1,2})月)?(\d{1,2})日/g;

/** The dates of a phrase, a date without year or month taking them from the date before it ("2月15日至23日"). */
function datesIn(text: string, carry: { year: number; month: number | null }): DateKey[] {
  const dates: DateKey[] = [];
  for (const match of text.matchAll(datePattern)) {
    if (match[1]) carry.year = Number(match[1]);
    if (match[2]) carry.month = Number(match[2]);
    if (carry.month === null) throw invalidNotice('notice', `"${match[0]}" names no month.`);
    dates.push(`${carry.year}-${String(carry.month).padStart(2, '0')}-${match[3]!.padStart(2, '0')}`);
  }
  return dates;
}

/**
 * Reads the notice as the State Council publishes it (国务院办公厅关于<year>年部分节假日安排的通知):
 * one numbered item per holiday, "一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。".
 * The days off come before 放假, the days worked in the sentences saying 上班; 共N天 is checked. Pure.
 */
export function parseHolidayNotice(year: number, text: string): HolidayNoticeForm {
  const form: HolidayNoticeForm = { holidays: [], workdays: [] };
  // Weekdays and lunar dates in brackets only confirm the dates; dropped so that neither a lunar date
  // (农历腊月二十八、) is read as an item number nor a weekday as a date.
  const plain = text.replace(/[（(][^）)]*[）)]/g, '');
  for (const section of plain.matchAll(sectionPattern)) {
    const name = section[1]!.trim();
    const body = section[2]!;
    const off = body.indexOf('放假');
    if (off < 0) throw invalidNotice('notice', `The item for ${name} says no 放假.`);
    const carry = { year, month: null as number | null };
    const holiday = datesIn(body.slice(0, off), carry);
    if (holiday.length < 1 || holiday.length > 2) throw invalidNotice('notice', `The item for ${name} should name one day off or a range (…至…).`);
    const [from, to = from] = holiday as [DateKey, DateKey?];
    const total = /共(\d+)天/.exec(body);
    if (total && dayOf('notice', to) - dayOf('notice', from) + 1 !== Number(total[1])) {
      throw invalidNotice('notice', `The item for ${name} says 共${total[1]}天 but ${from}…${to} is another length.`);
    }
    form.holidays.push({ name, from, to });
    for (const sentence of body.slice(off).split(/[。；;]/).filter((s) => s.includes('上班'))) {
      for (const date of datesIn(sentence, carry)) form.workdays.push({ name, date });
    }
  }
  if (form.holidays.length === 0) throw invalidNotice('notice', 'No numbered holiday item (一、元旦：…) was found in the notice.');
  return form;
}
