import { SessionState } from 'sip.js';
import { ApiError, type AgentStateView, type DepartmentSummary, type MissedCall, type TicketSummary } from './api.js';
import { lang, t, type MessageKey } from './i18n.js';
import type { Call, RegistrationState } from './phone.js';
import { refusalText } from '../../consoles/shared/attachments.js';

/** The page (softphone/index.html) as the softphone draws it: DOM only, no API and no state of its own. */

export const $ = <T extends HTMLElement = HTMLElement>(selector: string): T => {
  const element = document.querySelector<T>(selector);
  if (!element) throw new Error(`missing ${selector}`);
  return element;
};

export function item(text: string): HTMLLIElement {
  const li = document.createElement('li');
  li.textContent = text;
  return li;
}

export function showError(message: string | null): void {
  const box = $('#error');
  box.textContent = message ?? '';
  box.hidden = !message;
}

export function describe(error: unknown, fallback: MessageKey): string {
  if (error instanceof ApiError) return `${t(fallback)}: ${error.message}`;
  if (error instanceof Error && /NotAllowed|Permission|NotFound|getUserMedia/i.test(`${error.name} ${error.message}`)) return t('errMicrophone');
  return `${t(fallback)}: ${error instanceof Error ? error.message : String(error)}`;
}

export function showSignedIn(username: string): void {
  $('#who').textContent = username;
  $('#login-view').hidden = true;
  $('#phone-view').hidden = false;
  $('#logout').hidden = false;
}

/** Audio devices: labels appear once the page may use the microphone (after the first call). */
export function showDevices(devices: MediaDeviceInfo[]): void {
  for (const [selector, kind] of [['#microphone', 'audioinput'], ['#speaker', 'audiooutput']] as const) {
    const select = $<HTMLSelectElement>(selector);
    const chosen = select.value;
    const options = [new Option(t('defaultDevice'), '')];
    for (const device of devices) {
      if (device.kind === kind && device.deviceId && device.deviceId !== 'default') options.push(new Option(device.label || device.deviceId.slice(0, 8), device.deviceId));
    }
    select.replaceChildren(...options);
    select.value = options.some((option) => option.value === chosen) ? chosen : '';
  }
}

export function showRegistration(state: RegistrationState, error?: string): void {
  const badge = $('#reg-state');
  badge.dataset.state = state;
  badge.textContent = t(state);
  if (state === 'registered') showError(null);
  else if (state === 'reconnecting') showError(`${t('errConnectionLost')}${error ? ` (${error})` : ''}`);
  else if (error) showError(`${t('errRegistration')}: ${error}`);
}

const agentStateKeys: Record<string, MessageKey> = {
  ready: 'ready', not_ready: 'notReady', after_call_work: 'afterCallWork', ringing: 'ringing', on_call: 'busy',
};

export function showAgentState(view: AgentStateView): void {
  const badge = $('#agent-state');
  badge.dataset.state = view.state;
  badge.textContent = t(agentStateKeys[view.state] ?? 'unknown');
  for (const button of document.querySelectorAll<HTMLButtonElement>('[data-agent-state]')) {
    button.setAttribute('aria-pressed', String(button.dataset.agentState === view.state));
  }
}

function callStateName(call: Call): { state: string; title: MessageKey } {
  switch (call.state) {
    case SessionState.Initial:
    case SessionState.Establishing:
      return call.direction === 'inbound' ? { state: 'ringing', title: 'incoming' } : { state: 'calling', title: 'calling' };
    case SessionState.Established:
      return call.held ? { state: 'held', title: 'onHold' } : { state: 'established', title: 'inCall' };
    default:
      return { state: 'ended', title: 'ended' };
  }
}

/** Draws the call panel; returns the state shown now and the one shown before. */
export function showCall(call: Call): { state: string; previous: string | undefined } {
  const { state, title } = callStateName(call);
  const panel = $('#call');
  const previous = panel.dataset.state;
  panel.dataset.state = state;
  panel.dataset.direction = call.direction;
  $('#call-title').textContent = t(title);
  $('#caller-number').textContent = call.remoteUser;
  $('#call-id').textContent = call.callId;
  $('#hold').textContent = t(call.held ? 'resume' : 'hold');
  $('#mute').textContent = t(call.muted ? 'unmute' : 'mute');
  $('#mute').setAttribute('aria-pressed', String(call.muted));
  return { state, previous };
}

export function showDuration(seconds: number): void {
  $('#call-timer').textContent = `${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`;
}

export function showPacketsReceived(count: number): void {
  $('#packets-received').textContent = String(count);
}

const ticketStateNames: Record<string, [string, string]> = {
  received: ['已受理', 'received'], dispatched: ['已派单', 'dispatched'], in_handling: ['办理中', 'in handling'], waiting_info: ['待补充材料', 'waiting for information'],
  returned: ['已退单', 'returned'], replied: ['已答复', 'replied'], awaiting_callback: ['待回访', 'awaiting callback'], closed: ['已办结', 'closed'],
  archived: ['已归档', 'archived'], merged: ['已并单', 'merged'], cancelled: ['已撤销', 'cancelled'],
};

function ticketStateName(state: string): string {
  const names = ticketStateNames[state];
  return names ? names[lang === 'en' ? 1 : 0] : state;
}

/**
 * The caller's earlier tickets: `null` while they load, `undefined` when there is no number to look
 * up, or the error's text; `data-loaded` tells when they are there.
 */
export function showCallerTickets(tickets: TicketSummary[] | string | null | undefined): void {
  const list = $('#caller-tickets');
  list.dataset.loaded = String(tickets !== null);
  if (!tickets) return list.replaceChildren();
  if (typeof tickets === 'string') return list.replaceChildren(item(tickets));
  list.replaceChildren(...(tickets.length === 0 ? [item(t('noTickets'))] : tickets.map((ticket) => {
    const entry = item(`${ticket.number} · ${ticket.subject} · ${ticketStateName(ticket.state)} · ${new Date(ticket.createdAt).toLocaleDateString(lang)}`);
    entry.dataset.ticketId = ticket.id;
    return entry;
  })));
}

export function showMissedCalls(items: MissedCall[], callBack: (missed: MissedCall) => void): void {
  $('#missed-calls').replaceChildren(...(items.length === 0 ? [item(t('noMissedCalls'))] : items.map((missed) => {
    const entry = item(`${missed.caller} · ${new Date(missed.lastMissedAt).toLocaleString(lang)} `);
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = t('callBack');
    button.dataset.missedCallId = missed.id;
    button.addEventListener('click', () => callBack(missed));
    entry.append(button);
    return entry;
  })));
}

/** A department's contact phone as dialled: its SIP user is the number without separators. */
const dialable = (phoneNumber: string): string => phoneNumber.replace(/-/g, '');

/** 联动单位 with a contact phone, as blind-transfer targets beside the free number field. */
export function showTransferDepartments(items: DepartmentSummary[]): void {
  const select = $<HTMLSelectElement>('#transfer-department');
  const options = items.flatMap((department) => {
    if (!department.contacts.phone) return [];
    const name = lang === 'en' ? (department.nameEn ?? department.name) : department.name;
    const option = new Option(`${name} · ${department.contacts.phone}`, dialable(department.contacts.phone));
    option.dataset.departmentId = department.id;
    return [option];
  });
  select.replaceChildren(select.options[0]!, ...options);
}

/** The department chosen in the list, when the number to transfer to is still its number. */
export function chosenTransferDepartment(target: string): string | undefined {
  const chosen = $<HTMLSelectElement>('#transfer-department').selectedOptions[0];
  return chosen?.value === target ? chosen.dataset.departmentId : undefined;
}

export function prefillTicket(call: Call): void {
  const form = $<HTMLFormElement>('#ticket-form');
  const phoneInput = form.elements.namedItem('phone') as HTMLInputElement;
  if (/^\+?[0-9-]{3,20}$/.test(call.remoteUser)) phoneInput.value = call.remoteUser;
  (form.elements.namedItem('callId') as HTMLInputElement).value = call.callId;
  $('#ticket-result').textContent = '';
  $('#duplicates').replaceChildren();
}

export function showTicketCreated(number: string): void {
  $('#ticket-result').textContent = `${t('ticketCreated')}: ${number}`;
}

export function showResolvedOnCall(): void {
  $('#ticket-result').textContent += ` · ${t('resolvedOnCallDone')}`;
}

/** The files sent with the ticket: how many arrived, and why the API refused the others. */
export function showFilesSent(count: number, refused: { name: string; error: unknown }[]): void {
  if (count) $('#ticket-result').textContent += ` · ${t('filesUploaded')}: ${count}`;
  if (refused.length) showError(refused.map(({ name, error }) => refusalText(name, error, lang)).join(' '));
}

/** The ticket is written (and answered, for 直办): the form is emptied for the next. */
export function ticketDone(form: HTMLFormElement, ticketId: string): void {
  $('#ticket-result').dataset.ticketId = ticketId;
  for (const name of ['subject', 'content', 'name', 'address', 'answer', 'knowledgeArticleId', 'files']) (form.elements.namedItem(name) as HTMLInputElement).value = '';
  (form.elements.namedItem('resolvedOnCall') as HTMLInputElement).checked = false;
}

export function showDuplicates(items: TicketSummary[]): void {
  $('#duplicates').replaceChildren(...items.slice(0, 5).map((ticket) => item(`${ticket.number} · ${ticket.subject}`)));
}

export interface KnowledgeArticle {
  id: string;
  question: string;
  answer: string;
}

/** Search results, each with a button putting its answer in the ticket form as 直办. */
export function showKnowledge(articles: KnowledgeArticle[] | string): void {
  const list = $('#knowledge-results');
  if (typeof articles === 'string') return list.replaceChildren(item(articles));
  list.replaceChildren(...(articles.length === 0 ? [item(t('noResults'))] : articles.map((article) => {
    const entry = item(`${article.question} — ${article.answer.slice(0, 200)} `);
    const use = document.createElement('button');
    use.type = 'button';
    use.textContent = t('useAnswer');
    use.addEventListener('click', () => {
      const form = $<HTMLFormElement>('#ticket-form');
      (form.elements.namedItem('answer') as HTMLTextAreaElement).value = article.answer;
      (form.elements.namedItem('knowledgeArticleId') as HTMLInputElement).value = article.id;
      (form.elements.namedItem('resolvedOnCall') as HTMLInputElement).checked = true;
    });
    entry.append(use);
    return entry;
  })));
}
