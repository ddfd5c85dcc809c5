import { lang } from './i18n.js';

const zone = { timeZone: 'Asia/Shanghai' } as const;

/** A time as the hotline reads it: China time, whatever the browser's zone. */
export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '–';
  return new Date(iso).toLocaleString(lang(), { ...zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false });
}

export function day(iso: string): string {
  return new Date(iso).toLocaleDateString('sv-SE', zone);
}

/** Today's China date as `YYYY-MM-DD`. */
export const today = (): string => new Date().toLocaleDateString('sv-SE', zone);

/** `3 天 4 小时` / `3 d 4 h` from minutes; negative means overdue by that much. */
export function minutes(total: number): string {
  const sign = total < 0 ? '-' : '';
  const value = Math.abs(Math.round(total));
  const [d, h, m] = [Math.floor(value / 1440), Math.floor((value % 1440) / 60), value % 60];
  const units = lang() === 'en' ? ['d', 'h', 'min'] : ['天', '小时', '分钟'];
  const parts = [d ? `${d} ${units[0]}` : '', h ? `${h} ${units[1]}` : '', !d && (m || !h) ? `${m} ${units[2]}` : ''].filter(Boolean);
  return sign + parts.join(' ');
}

export function percent(rate: number | null | undefined): string {
  return rate === null || rate === undefined ? '–' : `${(rate * 100).toFixed(1)}%`;
}
