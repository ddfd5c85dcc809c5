import { REQUEST_TYPES } from '../../core/clocks/default-limits.js';
import { LIMIT_UNITS, type TimeLimit } from '../../core/clocks/durations.js';
import { h } from '../shared/dom.js';
import { m, type MessageKey } from './messages.js';

/** Every limit of a table by its path: `dispatch`, `accept.urgent`, `reply.normal.help`, … */
export const slots: readonly string[][] = [
  ['dispatch'], ['accept', 'normal'], ['accept', 'urgent'], ['reply', 'urgent'], ...REQUEST_TYPES.map((type) => ['reply', 'normal', type]), ['callback'],
];

export function slotOf(table: unknown, path: readonly string[]): TimeLimit | undefined {
  let node = table;
  for (const key of path) node = node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
  return node && typeof node === 'object' ? (node as TimeLimit) : undefined;
}

function setSlot(table: Record<string, unknown>, path: readonly string[], limit: Partial<TimeLimit>): void {
  let node = table;
  for (const key of path.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
  node[path.at(-1) ?? ''] = limit;
}

export const slotLabel = (path: readonly string[]) => m.t(`slot_${path.join('_')}` as MessageKey);
export const unitLabel = (unit: string) => m.t(`unit_${unit}` as MessageKey);
export const limitText = (limit: TimeLimit) => `${limit.amount} ${unitLabel(limit.unit)}`;

/**
 * A table of amount + unit per limit. `required`: every limit must be given (the hotline's defaults);
 * otherwise an empty row means "inherit" and `note` says what is inherited. Control names are the API's
 * field paths under `prefix`, so a validation error marks the right control.
 */
export function limitsTable(prefix: string, current: unknown, options: { required: boolean; note?: (path: readonly string[]) => string }): HTMLTableElement {
  const units = LIMIT_UNITS.map((unit) => [unit, unitLabel(unit)] as const);
  return h('table', { class: 'limits', 'data-prefix': prefix },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, m.t('stage')), h('th', { scope: 'col' }, m.t('amount')), h('th', { scope: 'col' }, m.t('unit')), options.note ? h('th', { scope: 'col' }, m.t('inherit')) : null)),
    h('tbody', {}, ...slots.map((path) => {
      const limit = slotOf(current, path);
      const name = `${prefix}.${path.join('.')}`;
      const unit = h('select', { name: `${name}.unit`, 'aria-label': `${slotLabel(path)} ${m.t('unit')}` },
        options.required ? null : h('option', { value: '' }, '–'),
        ...units.map(([value, label]) => h('option', { value, selected: limit?.unit === value }, label)));
      return h('tr', { 'data-slot': path.join('.') },
        h('th', { scope: 'row' }, slotLabel(path)),
        h('td', {}, h('input', { name: `${name}.amount`, type: 'number', min: '0', step: 'any', class: 'amount', value: limit?.amount ?? '', 'aria-label': `${slotLabel(path)} ${m.t('amount')}`, required: options.required })),
        h('td', {}, unit),
        options.note ? h('td', { class: 'muted' }, options.note(path)) : null,
      );
    })),
  );
}

/** The limits typed into a `limitsTable`; rows left empty are left out, half-filled ones sent as they are for the API to name. */
export function readLimits(table: HTMLTableElement): Record<string, unknown> {
  const prefix = table.dataset.prefix ?? '';
  const limits: Record<string, unknown> = {};
  for (const path of slots) {
    const name = `${prefix}.${path.join('.')}`;
    const amount = table.querySelector<HTMLInputElement>(`[name="${name}.amount"]`)?.value.trim() ?? '';
    const unit = table.querySelector<HTMLSelectElement>(`[name="${name}.unit"]`)?.value ?? '';
    if (amount === '' && unit === '') continue;
    setSlot(limits, path, { ...(amount === '' ? {} : { amount: Number(amount) }), ...(unit === '' ? {} : { unit: unit as TimeLimit['unit'] }) });
  }
  return limits;
}
