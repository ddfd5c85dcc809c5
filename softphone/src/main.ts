import './softphone.css';
import { SessionState } from 'sip.js';
import {
  api, ApiError, setCsrfToken, type AgentStateView, type CallReport, type DepartmentSummary, type MissedCall, type SessionView, type SipCredentials,
  type TicketSummary,
} from './api.js';
import { applyLanguage, lang, t, type MessageKey } from './i18n.js';
import { Phone, setMicrophone, type Call, type RegistrationState } from './phone.js';
import { refusalText, staffFileRoutes, uploadFiles } from '../../consoles/shared/attachments.js';

const $ = <T extends HTMLElement = HTMLElement>(selector: string): T => {
  const element = document.querySelector<T>(selector);
  if (!element) throw new Error(`missing ${selector}`);
  return element;
};

let phone: Phone | null = null;
let credentials: SipCredentials | null = null;
let current: Call | null = null;
let timer: ReturnType<typeof setInterval> | null = null;
let renewTimer: ReturnType<typeof setTimeout> | null = null;

function showError(message: string | null): void {
  const box = $('#error');
  box.textContent = message ?? '';
  box.hidden = !message;
}

function describe(error: unknown, fallback: MessageKey): string {
  if (error instanceof ApiError) return `${t(fallback)}: ${error.message}`;
  if (error instanceof Error && /NotAllowed|Permission|NotFound|getUserMedia/i.test(`${error.name} ${error.message}`)) return t('errMicrophone');
  return `${t(fallback)}: ${error instanceof Error ? error.message : String(error)}`;
}

// ---- sign-in -------------------------------------------------------------------------------

async function signedIn(session: SessionView): Promise<void> {
  setCsrfToken(session.csrfToken);
  $('#who').textContent = session.user.username;
  $('#login-view').hidden = true;
  $('#phone-view').hidden = false;
  $('#logout').hidden = false;
  await startPhone();
  await refreshAgentState();
  // The server moves the agent state too (ringing, on the call, after-call work when a call ends).
  setInterval(() => void refreshAgentState(), 5000);
  await refreshMissedCalls();
  await refreshDevices();
  await loadTransferDepartments();
}

/** Audio devices: labels appear once the page may use the microphone (after the first call). */
async function refreshDevices(): Promise<void> {
  if (!navigator.mediaDevices?.enumerateDevices) return;
  const devices = await navigator.mediaDevices.enumerateDevices().catch(() => []);
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

async function fetchCredentials(): Promise<SipCredentials> {
  credentials = await api<SipCredentials>('POST', '/api/telephony/credentials');
  scheduleRenewal();
  return credentials;
}

async function startPhone(): Promise<void> {
  try {
    await fetchCredentials();
  } catch (error) {
    showError(error instanceof ApiError && error.status === 503 ? t('errNoTelephony') : describe(error, 'errRegistration'));
    return;
  }
  phone = new Phone(fetchCredentials, { registration: showRegistration, incoming }, $<HTMLAudioElement>('#remote-audio'));
  await phone.start();
}

/** Credentials expire: new ones ten minutes before, and a new registration when no call is up. */
function scheduleRenewal(): void {
  if (renewTimer) clearTimeout(renewTimer);
  if (!credentials) return;
  const due = new Date(credentials.expiresAt).getTime() - Date.now() - 10 * 60_000;
  renewTimer = setTimeout(() => void renew(), Math.max(60_000, Math.min(due, 2 ** 31 - 1)));
}

async function renew(): Promise<void> {
  if (current && current.state !== SessionState.Terminated) {
    renewTimer = setTimeout(() => void renew(), 30_000);
    return;
  }
  await phone?.renew();
}

function showRegistration(state: RegistrationState, error?: string): void {
  const badge = $('#reg-state');
  badge.dataset.state = state;
  badge.textContent = t(state);
  if (state === 'registered') showError(null);
  else if (state === 'reconnecting') showError(`${t('errConnectionLost')}${error ? ` (${error})` : ''}`);
  else if (error) showError(`${t('errRegistration')}: ${error}`);
}

// ---- agent state ---------------------------------------------------------------------------

const agentStateKeys: Record<string, MessageKey> = {
  ready: 'ready', not_ready: 'notReady', after_call_work: 'afterCallWork', ringing: 'ringing', on_call: 'busy',
};

function showAgentState(view: AgentStateView): void {
  const badge = $('#agent-state');
  badge.dataset.state = view.state;
  badge.textContent = t(agentStateKeys[view.state] ?? 'unknown');
  for (const button of document.querySelectorAll<HTMLButtonElement>('[data-agent-state]')) {
    button.setAttribute('aria-pressed', String(button.dataset.agentState === view.state));
  }
}

async function refreshAgentState(): Promise<void> {
  try {
    showAgentState(await api<AgentStateView>('GET', '/api/telephony/agent-state'));
  } catch (error) {
    showError(describe(error, 'errRegistration'));
  }
}

async function setAgentState(state: string): Promise<void> {
  try {
    showAgentState(await api<AgentStateView>('PUT', '/api/telephony/agent-state', { state }));
  } catch (error) {
    showError(describe(error, 'errRegistration'));
  }
}

// ---- calls ---------------------------------------------------------------------------------

function incoming(call: Call): void {
  if (current && current.state !== SessionState.Terminated) {
    void call.reject();
    return;
  }
  track(call);
  void showCallerTickets(call.remoteUser);
  void report(call, { direction: 'inbound', caller: call.remoteUser, callee: credentials?.hotlineNumber, ringingAt: call.ringingAt.toISOString() });
}

function track(call: Call): void {
  current = call;
  prefillTicket(call);
  call.onChange(renderCall);
  renderCall(call);
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

function renderCall(call: Call): void {
  const { state, title } = callStateName(call);
  const panel = $('#call');
  const wasEnded = panel.dataset.state === 'ended';
  panel.dataset.state = state;
  panel.dataset.direction = call.direction;
  $('#call-title').textContent = t(title);
  $('#caller-number').textContent = call.remoteUser;
  $('#call-id').textContent = call.callId;
  $('#hold').textContent = t(call.held ? 'resume' : 'hold');
  $('#mute').textContent = t(call.muted ? 'unmute' : 'mute');
  $('#mute').setAttribute('aria-pressed', String(call.muted));
  if (state === 'established' || state === 'held') startTimer(call);
  // Kamailio tells the API that the call rang or was answered a moment later; show that state
  // (ringing, on the call) now rather than at the next five-second refresh.
  if ((state === 'ringing' || state === 'established') && panel.dataset.shownState !== state) setTimeout(() => void refreshAgentState(), 500);
  panel.dataset.shownState = state;
  if (state === 'ended' && !wasEnded) void callEnded(call);
}

function startTimer(call: Call): void {
  if (timer) return;
  const tick = () => {
    const seconds = call.answeredAt ? Math.floor((Date.now() - call.answeredAt.getTime()) / 1000) : 0;
    $('#call-timer').textContent = `${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`;
    void call.readStats().then((stats) => {
      if (stats) $('#packets-received').textContent = String(stats.packetsReceived);
    });
  };
  tick();
  timer = setInterval(tick, 1000);
}

async function callEnded(call: Call): Promise<void> {
  if (timer) clearInterval(timer);
  timer = null;
  const stats = call.lastStats;
  await report(call, {
    direction: call.direction,
    ...(call.answeredAt ? { answeredAt: call.answeredAt.toISOString() } : {}),
    endedAt: (call.endedAt ?? new Date()).toISOString(),
    endedBy: call.endedBy ?? 'remote',
    holdSeconds: Math.round(call.holdSeconds),
    muted: call.muted,
    ...(call.transferredTo ? { transferredTo: call.transferredTo } : {}),
    ...(stats ? { audio: stats } : {}),
  });
  await refreshAgentState();
  await refreshMissedCalls();
  await refreshDevices();
  // Kamailio reports the end to the API on its own; the state follows within a moment.
  setTimeout(() => void refreshAgentState(), 1000);
}

/** What the browser saw, merged into the call record (the server records the call regardless). */
async function report(call: Call, body: CallReport): Promise<void> {
  try {
    await api('POST', `/api/calls/${encodeURIComponent(call.callId)}/report`, { ...body, userAgent: navigator.userAgent.slice(0, 300) });
  } catch {
    // The server's own record (from Kamailio) stands; nothing for the operator to do.
  }
}

async function act(what: () => Promise<void>): Promise<void> {
  try {
    await what();
  } catch (error) {
    showError(describe(error, 'errCall'));
    if (current && /microphone|NotAllowed|getUserMedia/i.test(String(error))) {
      void report(current, { error: 'microphone refused', endedBy: 'failed' });
    }
  }
}

async function showCallerTickets(phoneNumber: string): Promise<void> {
  const list = $('#caller-tickets');
  list.replaceChildren();
  list.dataset.loaded = 'false';
  if (!/^\+?[0-9-]{3,20}$/.test(phoneNumber)) {
    list.dataset.loaded = 'true';
    return;
  }
  try {
    const { items } = await api<{ items: TicketSummary[] }>('GET', `/api/callers/${encodeURIComponent(phoneNumber)}/tickets`);
    if (items.length === 0) list.append(item(t('noTickets')));
    for (const ticket of items) {
      const entry = item(`${ticket.number} · ${ticket.subject} · ${ticketStateName(ticket.state)} · ${new Date(ticket.createdAt).toLocaleDateString(lang)}`);
      entry.dataset.ticketId = ticket.id;
      list.append(entry);
    }
  } catch (error) {
    list.append(item(describe(error, 'errCall')));
  }
  list.dataset.loaded = 'true';
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

function item(text: string): HTMLLIElement {
  const li = document.createElement('li');
  li.textContent = text;
  return li;
}

async function refreshMissedCalls(): Promise<void> {
  const list = $('#missed-calls');
  try {
    const { items } = await api<{ items: MissedCall[] }>('GET', '/api/telephony/missed-calls');
    list.replaceChildren();
    if (items.length === 0) list.append(item(t('noMissedCalls')));
    for (const missed of items) {
      const entry = item(`${missed.caller} · ${new Date(missed.lastMissedAt).toLocaleString(lang)} `);
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = t('callBack');
      button.dataset.missedCallId = missed.id;
      button.addEventListener('click', () => void callBack(missed));
      entry.append(button);
      list.append(entry);
    }
  } catch {
    // Not every role sees the queue.
  }
}

/** 漏接回拨: claim the missed call (409 when a colleague took it), call, then record how it went. */
async function callBack(missed: MissedCall): Promise<void> {
  if (!phone || (current && current.state !== SessionState.Terminated)) return;
  try {
    await api('POST', `/api/telephony/missed-calls/${encodeURIComponent(missed.id)}/claim`);
  } catch (error) {
    showError(describe(error, 'errCall'));
    await refreshMissedCalls();
    return;
  }
  const call = await dial(missed.caller);
  if (!call) {
    await api('POST', `/api/telephony/missed-calls/${encodeURIComponent(missed.id)}/release`).catch(() => {});
    return;
  }
  call.onChange((changed) => {
    if (changed.state !== SessionState.Terminated) return;
    const outcome = changed.answeredAt ? 'reached' : 'unreachable';
    void api('POST', `/api/telephony/missed-calls/${encodeURIComponent(missed.id)}/done`, { outcome, callbackCallId: changed.callId })
      .catch((error: unknown) => showError(describe(error, 'errCall')))
      .then(() => refreshMissedCalls());
  });
}

async function dial(number: string): Promise<Call | null> {
  if (!phone || (current && current.state !== SessionState.Terminated)) return null;
  let placed: Call | null = null;
  await act(async () => {
    const call = await phone!.call(number);
    placed = call;
    track(call);
    void showCallerTickets(number);
    void report(call, { direction: 'outbound', caller: phone?.sipUri.replace(/^sip:|@.*$/g, ''), callee: number, ringingAt: call.ringingAt.toISOString() });
  });
  return placed;
}

// ---- transfer ------------------------------------------------------------------------------

/** A department's contact phone as dialled: its SIP user is the number without separators. */
const dialable = (phoneNumber: string): string => phoneNumber.replace(/-/g, '');

/** 联动单位 with a contact phone, as blind-transfer targets beside the free number field. */
async function loadTransferDepartments(): Promise<void> {
  const select = $<HTMLSelectElement>('#transfer-department');
  try {
    const { items } = await api<{ items: DepartmentSummary[] }>('GET', '/api/departments?active=true');
    const options = items.flatMap((department) => {
      if (!department.contacts.phone) return [];
      const name = lang === 'en' ? (department.nameEn ?? department.name) : department.name;
      const option = new Option(`${name} · ${department.contacts.phone}`, dialable(department.contacts.phone));
      option.dataset.departmentId = department.id;
      return [option];
    });
    select.replaceChildren(select.options[0]!, ...options);
  } catch {
    // Without the list the operator still types the number.
  }
}

function transfer(form: HTMLFormElement): void {
  const call = current;
  const target = String(new FormData(form).get('target') ?? '').trim();
  if (!call || !phone || !target) return;
  const chosen = $<HTMLSelectElement>('#transfer-department').selectedOptions[0];
  const departmentId = chosen?.value === target ? chosen.dataset.departmentId : undefined;
  void act(async () => {
    await call.transfer(target, phone!.domain);
    if (departmentId) await report(call, { transferredTo: target, transferredToDepartmentId: departmentId });
  });
}

// ---- ticket form ---------------------------------------------------------------------------

function prefillTicket(call: Call): void {
  const form = $<HTMLFormElement>('#ticket-form');
  const phoneInput = form.elements.namedItem('phone') as HTMLInputElement;
  if (/^\+?[0-9-]{3,20}$/.test(call.remoteUser)) phoneInput.value = call.remoteUser;
  (form.elements.namedItem('callId') as HTMLInputElement).value = call.callId;
  $('#ticket-result').textContent = '';
  $('#duplicates').replaceChildren();
}

async function submitTicket(form: HTMLFormElement): Promise<void> {
  const data = new FormData(form);
  const value = (name: string) => String(data.get(name) ?? '').trim();
  const body = {
    channel: 'phone',
    requester: { phone: value('phone') || null, name: value('name') || null },
    callId: value('callId') || null,
    requestType: value('requestType'),
    location: value('address') ? { address: value('address') } : undefined,
    subject: value('subject'),
    content: value('content'),
  };
  try {
    const ticket = await api<{ id: string; number: string }>('POST', '/api/tickets', body);
    const result = $('#ticket-result');
    result.textContent = `${t('ticketCreated')}: ${ticket.number}`;
    if (data.get('resolvedOnCall') && value('answer')) {
      // 直办: the operator answered on the call; the ticket goes straight to callback.
      await api('POST', `/api/tickets/${ticket.id}/resolve-on-call`, { answer: value('answer'), knowledgeArticleId: value('knowledgeArticleId') || null });
      result.textContent += ` · ${t('resolvedOnCallDone')}`;
    }
    const files = form.elements.namedItem('files') as HTMLInputElement;
    if (files.files?.length) {
      const { uploaded, refused } = await uploadFiles(staffFileRoutes(ticket.id), [...files.files]);
      if (uploaded.length) result.textContent += ` · ${t('filesUploaded')}: ${uploaded.length}`;
      if (refused.length) showError(refused.map(({ name, error }) => refusalText(name, error, lang)).join(' '));
    }
    result.dataset.ticketId = ticket.id;
    for (const name of ['subject', 'content', 'name', 'address', 'answer', 'knowledgeArticleId', 'files']) (form.elements.namedItem(name) as HTMLInputElement).value = '';
    (form.elements.namedItem('resolvedOnCall') as HTMLInputElement).checked = false;
  } catch (error) {
    showError(describe(error, 'errCall'));
  }
}

async function showDuplicates(form: HTMLFormElement): Promise<void> {
  const data = new FormData(form);
  const text = `${String(data.get('subject') ?? '')} ${String(data.get('content') ?? '')}`.trim();
  const phoneNumber = String(data.get('phone') ?? '').trim();
  if (!text) return;
  try {
    const { items } = await api<{ items: TicketSummary[] }>('POST', '/api/tickets/duplicates', { text, phone: phoneNumber || null });
    $('#duplicates').replaceChildren(...items.slice(0, 5).map((ticket) => item(`${ticket.number} · ${ticket.subject}`)));
  } catch {
    // Candidates are a help, not a step.
  }
}

interface KnowledgeArticle {
  id: string;
  question: string;
  answer: string;
}

async function searchKnowledge(q: string): Promise<void> {
  const list = $('#knowledge-results');
  try {
    const { items } = await api<{ items: KnowledgeArticle[] }>('GET', `/api/knowledge/search?q=${encodeURIComponent(q)}&limit=5`);
    list.replaceChildren(...(items.length === 0 ? [item(t('noResults'))] : items.map((article) => {
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
  } catch (error) {
    list.replaceChildren(item(describe(error, 'errCall')));
  }
}

// ---- wiring --------------------------------------------------------------------------------

function wire(): void {
  applyLanguage();
  $('#lang').textContent = lang === 'en' ? '中文' : 'English';
  $('#lang').addEventListener('click', () => {
    applyLanguage(lang === 'en' ? 'zh-CN' : 'en');
    $('#lang').textContent = lang === 'en' ? '中文' : 'English';
    if (phone) {
      showRegistration(phone.state);
      void loadTransferDepartments();
    }
    if (current) renderCall(current);
  });
  $<HTMLFormElement>('#login-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(event.target as HTMLFormElement);
    void (async () => {
      try {
        const session = await api<SessionView>('POST', '/api/auth/login', { username: String(data.get('username')), password: String(data.get('password')) });
        showError(null);
        await signedIn(session);
      } catch (error) {
        showError(describe(error, 'errSignIn'));
      }
    })();
  });
  $('#logout').addEventListener('click', () => {
    void (async () => {
      await setAgentState('not_ready');
      await phone?.stop();
      await api('POST', '/api/auth/logout').catch(() => {});
      location.reload();
    })();
  });
  for (const button of document.querySelectorAll<HTMLButtonElement>('[data-agent-state]')) {
    button.addEventListener('click', () => void setAgentState(button.dataset.agentState ?? ''));
  }
  $('#answer').addEventListener('click', () => void act(async () => current?.answer()));
  $('#reject').addEventListener('click', () => void act(async () => current?.reject()));
  $('#hangup').addEventListener('click', () => void act(async () => current?.hangUp()));
  $('#hold').addEventListener('click', () => void act(async () => current?.setHold(!current.held)));
  $('#mute').addEventListener('click', () => current?.setMuted(!current.muted));
  for (const button of document.querySelectorAll<HTMLButtonElement>('[data-dtmf]')) {
    button.addEventListener('click', () => void act(async () => current?.sendDtmf(button.dataset.dtmf ?? '')));
  }
  $<HTMLFormElement>('#transfer-form').addEventListener('submit', (event) => {
    event.preventDefault();
    transfer(event.target as HTMLFormElement);
  });
  $<HTMLSelectElement>('#transfer-department').addEventListener('change', (event) => {
    const number = (event.target as HTMLSelectElement).value;
    if (number) ($<HTMLFormElement>('#transfer-form').elements.namedItem('target') as HTMLInputElement).value = number;
  });
  $<HTMLFormElement>('#dial-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const number = String(new FormData(event.target as HTMLFormElement).get('number') ?? '').trim();
    if (number) void dial(number);
  });
  $<HTMLFormElement>('#knowledge-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const q = String(new FormData(event.target as HTMLFormElement).get('q') ?? '').trim();
    if (q) void searchKnowledge(q);
  });
  $<HTMLSelectElement>('#microphone').addEventListener('change', (event) => setMicrophone((event.target as HTMLSelectElement).value));
  $<HTMLSelectElement>('#speaker').addEventListener('change', (event) => {
    const audio = $<HTMLAudioElement>('#remote-audio') as HTMLAudioElement & { setSinkId?: (id: string) => Promise<void> };
    void audio.setSinkId?.((event.target as HTMLSelectElement).value).catch((error: unknown) => showError(describe(error, 'errCall')));
  });
  navigator.mediaDevices?.addEventListener?.('devicechange', () => void refreshDevices());
  $('#refresh-missed').addEventListener('click', () => void refreshMissedCalls());
  const ticketForm = $<HTMLFormElement>('#ticket-form');
  ticketForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void submitTicket(ticketForm);
  });
  (ticketForm.elements.namedItem('content') as HTMLTextAreaElement).addEventListener('change', () => void showDuplicates(ticketForm));
  window.addEventListener('beforeunload', () => void phone?.stop());

  // Already signed in (a reload): resume; otherwise (401) the sign-in form stays. Then the page is ready.
  void api<SessionView>('GET', '/api/auth/session')
    .then((session) => signedIn(session))
    .catch(() => {})
    .finally(() => {
      document.body.dataset.ready = 'true';
    });
}

wire();
