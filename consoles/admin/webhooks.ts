import { api } from '../shared/api.js';
import { $, h } from '../shared/dom.js';
import { dateTime } from '../shared/format.js';
import { showError, showNotice } from '../shared/shell.js';
import { m, type MessageKey } from './messages.js';
import { departmentOptions, field, heading, save, select, type Department } from './ui.js';

interface Subscription {
  id: string; partner: string; url: string; secretHint: string; events: string[]; departmentId: string | null; enabled: boolean;
  disabledReason: 'administrator' | 'failures' | null; consecutiveFailures: number; lastError: string | null; version: number;
}
interface Delivery {
  id: string; eventType: string; ticketNumber: string; occurredAt: string; state: 'pending' | 'sending' | 'delivered';
  attempts: number; responseCode: number | null; lastError: string | null;
}

const eventName = (type: string) => m.t(`event_${type.replace(/^ticket\./, '')}` as MessageKey);

/** The event types as checkboxes, all ticked for a new subscription. */
function eventPicker(types: readonly string[], chosen: readonly string[]): HTMLFieldSetElement {
  return h('fieldset', { class: 'choices', 'data-field': 'events' },
    h('legend', {}, m.t('eventTypes')),
    ...types.map((type) => h('label', {}, h('input', { type: 'checkbox', name: 'events', value: type, checked: chosen.includes(type) }), ` ${eventName(type)}`)),
  );
}

/** The secret is in this answer only: shown in the page until the administrator leaves it, never stored by the console. */
function secretCard(partner: string, secret: string): HTMLElement {
  return h('section', { class: 'card', id: 'webhook-secret', role: 'status' },
    h('h3', {}, partner), h('p', {}, m.t('secretOnce'), h('code', { id: 'secret-value' }, secret)));
}

function statusBadge(s: Subscription): HTMLElement {
  if (!s.enabled) return h('span', { class: 'badge' }, s.disabledReason === 'failures' ? m.t('disabledByFailures') : m.t('disabled'));
  if (s.consecutiveFailures > 0) return h('span', { class: 'badge red', title: s.lastError ?? '' }, m.t('failing', { count: s.consecutiveFailures }));
  return h('span', { class: 'badge good' }, m.t('enabled'));
}

async function drawDeliveries(output: HTMLElement, subscription: Subscription): Promise<void> {
  const { items } = await api<{ items: Delivery[] }>('GET', `/api/webhooks/${subscription.id}/deliveries?limit=100`);
  const replay = (delivery: Delivery) =>
    api<Delivery>('POST', `/api/webhooks/${subscription.id}/deliveries/${delivery.id}/replay`)
      .then(() => { showNotice(m.t('replayed')); return drawDeliveries(output, subscription); })
      .catch(showError);
  output.replaceChildren(h('section', { class: 'card', id: 'webhook-deliveries', 'aria-labelledby': 'deliveries-title' },
    h('h3', { id: 'deliveries-title' }, m.t('deliveriesOf', { partner: subscription.partner })),
    items.length === 0 ? h('p', {}, m.t('noDeliveries')) : h('table', { class: 'compact' },
      h('thead', {}, h('tr', {}, ...(['event', 'ticket', 'state', 'attempts', 'responseCode', 'lastError', 'actions'] as const).map((k) => h('th', { scope: 'col' }, m.t(k))))),
      h('tbody', {}, ...items.map((d) => h('tr', { 'data-delivery': d.id },
        h('td', {}, eventName(d.eventType), h('br'), h('small', {}, dateTime(d.occurredAt))),
        h('td', {}, d.ticketNumber),
        h('td', {}, m.t(`delivery_${d.state}`)),
        h('td', {}, d.attempts),
        h('td', {}, d.responseCode ?? '–'),
        h('td', {}, d.lastError ?? ''),
        h('td', {}, d.state === 'delivered' ? h('button', { type: 'button', onclick: () => void replay(d) }, m.t('replay')) : null),
      ))),
    ),
  ));
}

export async function drawWebhooks(root: HTMLElement): Promise<void> {
  const [{ items, eventTypes }, { items: departments }] = await Promise.all([
    api<{ items: Subscription[]; eventTypes: string[] }>('GET', '/api/webhooks'),
    api<{ items: Department[] }>('GET', '/api/departments'),
  ]);
  const output = h('div', { id: 'webhook-output' });
  const redraw = (shown?: HTMLElement) => drawWebhooks(root).then(() => shown && $('#webhook-output', root).replaceChildren(shown));
  const departmentName = (id: string | null) => (id ? (departments.find((d) => d.id === id)?.name ?? id) : m.t('allDepartments'));

  const create = h('form', { id: 'new-webhook', class: 'card' },
    h('h3', {}, m.t('newWebhook')),
    field(m.t('partner'), h('input', { name: 'partner', required: true })),
    field(m.t('url'), h('input', { name: 'url', type: 'url', required: true, placeholder: 'https://' })),
    field(m.t('departmentFilter'), select('departmentId', departmentOptions(departments, m.t('allDepartments')))),
    eventPicker(eventTypes, eventTypes),
    h('button', { type: 'submit', class: 'primary' }, m.t('create')),
  );
  create.addEventListener('submit', (event) => {
    event.preventDefault();
    const departmentId = $<HTMLSelectElement>('[name=departmentId]', create).value;
    void save(create, () => api<Subscription & { secret: string }>('POST', '/api/webhooks', {
      partner: $<HTMLInputElement>('[name=partner]', create).value,
      url: $<HTMLInputElement>('[name=url]', create).value,
      events: [...create.querySelectorAll<HTMLInputElement>('input[name=events]:checked')].map((box) => box.value),
      departmentId: departmentId || null,
    }), 'created').then((created) => {
      if (created) void redraw(secretCard(created.partner, created.secret));
    });
  });

  const act = (row: HTMLElement, write: () => Promise<unknown>, success: MessageKey, shown?: (answer: unknown) => HTMLElement) =>
    void save(row, write, success).then((answer) => {
      if (answer !== undefined) void redraw(shown?.(answer));
    });
  const table = items.length === 0 ? h('p', {}, m.t('noWebhooks')) : h('table', { id: 'webhooks' },
    h('thead', {}, h('tr', {}, ...(['partner', 'url', 'eventTypes', 'department', 'status', 'actions'] as const).map((k) => h('th', { scope: 'col' }, m.t(k))))),
    h('tbody', {}, ...items.map((s) => {
      const row: HTMLElement = h('tr', { 'data-partner': s.partner },
        h('td', {}, s.partner, h('br'), h('small', {}, s.secretHint)),
        h('td', {}, h('code', {}, s.url)),
        h('td', {}, s.events.map(eventName).join('、')),
        h('td', {}, departmentName(s.departmentId)),
        h('td', {}, statusBadge(s)),
        h('td', {},
          h('button', { type: 'button', onclick: () => act(row, () => api('PATCH', `/api/webhooks/${s.id}`, { version: s.version, enabled: !s.enabled }), 'saved') }, m.t(s.enabled ? 'disable' : 'enable')),
          h('button', { type: 'button', onclick: () => act(row, () => api<{ secret: string }>('POST', `/api/webhooks/${s.id}/secret`, { version: s.version }), 'saved', (answer) => secretCard(s.partner, (answer as { secret: string }).secret)) }, m.t('rotateSecret')),
          h('button', { type: 'button', onclick: () => void drawDeliveries(output, s).catch(showError) }, m.t('deliveries')),
          h('button', { type: 'button', onclick: () => confirm(m.t('confirmDelete', { partner: s.partner })) && act(row, () => api('DELETE', `/api/webhooks/${s.id}`).then(() => true), 'removed') }, m.t('remove')),
        ),
      );
      return row;
    })),
  );

  root.replaceChildren(heading('webhooks'), create, output, table);
}
