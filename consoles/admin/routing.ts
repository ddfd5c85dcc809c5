import { api } from '../shared/api.js';
import { $, h } from '../shared/dom.js';
import { m } from './messages.js';
import { departmentOptions, field, heading, numberValue, save, select, type Department, type SettingsView } from './ui.js';

/** Keywords → department (rules come before the classifier), the automatic-dispatch threshold and its undo window. */
export async function drawRouting(root: HTMLElement): Promise<void> {
  const [settings, { items: departments }] = await Promise.all([
    api<SettingsView>('GET', '/api/settings'),
    api<{ items: Department[] }>('GET', '/api/departments?active=true'),
  ]);
  // Sent with each save: another administrator's change in between is a conflict, not overwritten.
  let version = settings.version;
  const options = departmentOptions(departments, null);
  const rows = h('tbody', {});
  const empty = h('p', { class: 'empty' }, m.t('noKeywords'));

  // Row positions follow the API's field paths (routingKeywords.2.keyword), so an error marks the right row.
  const renumber = () => {
    [...rows.children].forEach((row, i) => {
      for (const control of row.querySelectorAll<HTMLElement>('[data-part]')) control.dataset.field = `routingKeywords.${i}.${control.dataset.part}`;
    });
    empty.hidden = rows.children.length > 0;
  };
  const addRow = (rule: { keyword: string; departmentId: string } | null) => {
    const keyword = h('input', { 'data-part': 'keyword', value: rule?.keyword ?? '', 'aria-label': m.t('keyword'), class: 'keyword' });
    const department = select(null, options, rule?.departmentId ?? null, { 'data-part': 'departmentId', 'aria-label': m.t('department') });
    const row = h('tr', {},
      h('td', {}, keyword),
      h('td', {}, department),
      h('td', {}, h('button', { type: 'button', 'aria-label': m.t('removeKeyword', { keyword: rule?.keyword ?? '' }), onclick: () => { row.remove(); renumber(); } }, m.t('remove'))),
    );
    rows.append(row);
    renumber();
    return keyword;
  };
  for (const rule of settings.routingKeywords) addRow(rule);

  const threshold = h('input', { name: 'autoDispatchThreshold', type: 'number', min: '0', max: '1', step: '0.01', value: settings.autoDispatchThreshold });
  const undoMinutes = h('input', { name: 'autoDispatchUndoMinutes', type: 'number', min: '0', max: '1440', step: '1', value: settings.autoDispatchUndoMinutes });
  const form = h('form', { class: 'card', id: 'routing' },
    h('h3', {}, m.t('keywords')),
    h('table', { class: 'compact' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, m.t('keyword')), h('th', { scope: 'col' }, m.t('department')), h('th', { scope: 'col' }, m.t('actions')))),
      rows),
    empty,
    h('div', { class: 'row' }, h('button', { type: 'button', id: 'add-keyword', onclick: () => addRow(null).focus() }, m.t('addKeyword'))),
    h('h3', {}, m.t('autoDispatch')),
    field(m.t('autoDispatchThreshold'), threshold),
    h('p', { class: 'muted' }, m.t('modelThreshold')),
    field(m.t('autoDispatchUndoMinutes'), undoMinutes),
    h('p', { class: 'muted' }, m.t('streetRouting')),
    h('button', { type: 'submit', class: 'primary' }, m.t('save')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const routingKeywords = [...rows.children].map((row) => ({
      keyword: $<HTMLInputElement>('[data-part=keyword]', row).value.trim(),
      departmentId: $<HTMLSelectElement>('[data-part=departmentId]', row).value,
    }));
    void save(form, () => api<SettingsView>('PATCH', '/api/settings', {
      version, routingKeywords, autoDispatchThreshold: numberValue(threshold), autoDispatchUndoMinutes: numberValue(undoMinutes),
    }), 'saved')
      .then((saved) => { if (saved) version = saved.version; });
  });
  root.replaceChildren(heading('routing'), form);
}
