import { api } from '../shared/api.js';
import { h } from '../shared/dom.js';
import { m } from './messages.js';
import { limitsTable, readLimits } from './limits-form.js';
import { field, heading, numberValue, save, type SettingsView } from './ui.js';

/** The hotline's default limits (every category without its own) and the warning thresholds. */
export async function drawLimits(root: HTMLElement): Promise<void> {
  const settings = await api<SettingsView>('GET', '/api/settings');
  // Sent with each save: another administrator's change in between is a conflict, not overwritten.
  let version = settings.version;
  const table = limitsTable('limits', settings.limits, { required: true });
  const yellow = h('input', { name: 'thresholds.yellow', type: 'number', min: '0', max: '1', step: '0.01', value: settings.thresholds.yellow });
  const red = h('input', { name: 'thresholds.red', type: 'number', min: '0', max: '1', step: '0.01', value: settings.thresholds.red });
  const form = h('form', { class: 'card', id: 'default-limits' },
    h('h3', {}, m.t('defaultLimits')),
    table,
    h('h3', {}, m.t('thresholds')),
    field(m.t('yellow'), yellow),
    field(m.t('red'), red),
    h('button', { type: 'submit', class: 'primary' }, m.t('save')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void save(form, () => api<SettingsView>('PATCH', '/api/settings', {
      version,
      limits: readLimits(table),
      thresholds: { yellow: numberValue(yellow), red: numberValue(red) },
    }), 'saved').then((saved) => { if (saved) version = saved.version; });
  });
  root.replaceChildren(heading('limits'), form);
}
