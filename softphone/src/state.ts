import { SessionState } from 'sip.js';
import {
  api, ApiError, setCsrfToken, type AgentStateView, type CallReport, type DepartmentSummary, type MissedCall, type SessionView, type SipCredentials,
  type TicketSummary,
} from './api.js';
import { t } from './i18n.js';
import { Phone, type Call } from './phone.js';
import * as view from './view.js';
import { staffFileRoutes, uploadFiles } from '../../consoles/shared/attachments.js';

/**
 * The operator's softphone once signed in: what it holds (the phone, its SIP credentials, the call
 * on screen, its timers) and what it does with the API and the phone; view.ts draws, main.ts wires
 * the page's controls to it.
 */
export class Softphone {
  phone: Phone | null = null;
  current: Call | null = null;
  private credentials: SipCredentials | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private renewTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly remoteAudio: HTMLAudioElement) {}

  /** A call is up (ringing, dialling or talking): no second one. */
  get busy(): boolean {
    return this.current !== null && this.current.state !== SessionState.Terminated;
  }

  async signedIn(session: SessionView): Promise<void> {
    setCsrfToken(session.csrfToken);
    view.showSignedIn(session.user.username);
    await this.startPhone();
    await this.refreshAgentState();
    // The server moves the agent state too (ringing, on the call, after-call work when a call ends).
    setInterval(() => void this.refreshAgentState(), 5000);
    await this.refreshMissedCalls();
    await this.refreshDevices();
    await this.loadTransferDepartments();
  }

  async signOut(): Promise<void> {
    await this.setAgentState('not_ready');
    await this.phone?.stop();
    await api('POST', '/api/auth/logout').catch(() => {});
  }

  async refreshDevices(): Promise<void> {
    if (!navigator.mediaDevices?.enumerateDevices) return;
    view.showDevices(await navigator.mediaDevices.enumerateDevices().catch(() => []));
  }

  private async fetchCredentials(): Promise<SipCredentials> {
    this.credentials = await api<SipCredentials>('POST', '/api/telephony/credentials');
    this.scheduleRenewal();
    return this.credentials;
  }

  private async startPhone(): Promise<void> {
    try {
      await this.fetchCredentials();
    } catch (error) {
      view.showError(error instanceof ApiError && error.status === 503 ? t('errNoTelephony') : view.describe(error, 'errRegistration'));
      return;
    }
    this.phone = new Phone(() => this.fetchCredentials(), { registration: view.showRegistration, incoming: (call) => this.incoming(call) }, this.remoteAudio);
    await this.phone.start();
  }

  /** Credentials expire: new ones ten minutes before, and a new registration when no call is up. */
  private scheduleRenewal(): void {
    if (this.renewTimer) clearTimeout(this.renewTimer);
    if (!this.credentials) return;
    const due = new Date(this.credentials.expiresAt).getTime() - Date.now() - 10 * 60_000;
    this.renewTimer = setTimeout(() => void this.renew(), Math.max(60_000, Math.min(due, 2 ** 31 - 1)));
  }

  private async renew(): Promise<void> {
    if (this.busy) {
      this.renewTimer = setTimeout(() => void this.renew(), 30_000);
      return;
    }
    await this.phone?.renew();
  }

  async refreshAgentState(): Promise<void> {
    await this.showAgentState(() => api<AgentStateView>('GET', '/api/telephony/agent-state'));
  }

  async setAgentState(state: string): Promise<void> {
    await this.showAgentState(() => api<AgentStateView>('PUT', '/api/telephony/agent-state', { state }));
  }

  private async showAgentState(read: () => Promise<AgentStateView>): Promise<void> {
    try {
      view.showAgentState(await read());
    } catch (error) {
      view.showError(view.describe(error, 'errRegistration'));
    }
  }

  private incoming(call: Call): void {
    if (this.busy) {
      void call.reject();
      return;
    }
    this.track(call);
    void this.showCallerTickets(call.remoteUser);
    void this.report(call, { direction: 'inbound', caller: call.remoteUser, callee: this.credentials?.hotlineNumber, ringingAt: call.ringingAt.toISOString() });
  }

  private track(call: Call): void {
    this.current = call;
    view.prefillTicket(call);
    call.onChange((changed) => this.render(changed));
    this.render(call);
  }

  /** Draws the call, and what follows from its state: the timer, the agent state, the end. */
  render(call: Call): void {
    const { state, previous } = view.showCall(call);
    if (state === 'established' || state === 'held') this.startTimer(call);
    // Kamailio tells the API that the call rang or was answered a moment later; show that state
    // (ringing, on the call) now rather than at the next five-second refresh.
    if ((state === 'ringing' || state === 'established') && previous !== state) setTimeout(() => void this.refreshAgentState(), 500);
    if (state === 'ended' && previous !== 'ended') void this.callEnded(call);
  }

  private startTimer(call: Call): void {
    if (this.timer) return;
    const tick = () => {
      view.showDuration(call.answeredAt ? Math.floor((Date.now() - call.answeredAt.getTime()) / 1000) : 0);
      void call.readStats().then((stats) => {
        if (stats) view.showPacketsReceived(stats.packetsReceived);
      });
    };
    tick();
    this.timer = setInterval(tick, 1000);
  }

  private async callEnded(call: Call): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const stats = call.lastStats;
    await this.report(call, {
      direction: call.direction,
      ...(call.answeredAt ? { answeredAt: call.answeredAt.toISOString() } : {}),
      endedAt: (call.endedAt ?? new Date()).toISOString(),
      endedBy: call.endedBy ?? 'remote',
      holdSeconds: Math.round(call.holdSeconds),
      muted: call.muted,
      ...(call.transferredTo ? { transferredTo: call.transferredTo } : {}),
      ...(stats ? { audio: stats } : {}),
    });
    await this.refreshAgentState();
    await this.refreshMissedCalls();
    await this.refreshDevices();
    // Kamailio reports the end to the API on its own; the state follows within a moment.
    setTimeout(() => void this.refreshAgentState(), 1000);
  }

  /** What the browser saw, merged into the call record (the server records the call regardless). */
  private async report(call: Call, body: CallReport): Promise<void> {
    try {
      await api('POST', `/api/calls/${encodeURIComponent(call.callId)}/report`, { ...body, userAgent: navigator.userAgent.slice(0, 300) });
    } catch {
      // The server's own record (from Kamailio) stands; nothing for the operator to do.
    }
  }

  /** A control on the call: its failure is shown, and a refused microphone reported. */
  async act(what: (call: Call | null) => Promise<void> | void): Promise<void> {
    try {
      await what(this.current);
    } catch (error) {
      view.showError(view.describe(error, 'errCall'));
      if (this.current && /microphone|NotAllowed|getUserMedia/i.test(String(error))) {
        void this.report(this.current, { error: 'microphone refused', endedBy: 'failed' });
      }
    }
  }

  private async showCallerTickets(phoneNumber: string): Promise<void> {
    // The API matches the number in whatever form it came and gives a withheld caller no tickets.
    if (!phoneNumber) return view.showCallerTickets(undefined);
    view.showCallerTickets(null);
    try {
      view.showCallerTickets((await api<{ items: TicketSummary[] }>('GET', `/api/callers/${encodeURIComponent(phoneNumber)}/tickets`)).items);
    } catch (error) {
      view.showCallerTickets(view.describe(error, 'errCall'));
    }
  }

  async refreshMissedCalls(): Promise<void> {
    try {
      const { items } = await api<{ items: MissedCall[] }>('GET', '/api/telephony/missed-calls');
      view.showMissedCalls(items, (missed) => void this.callBack(missed));
    } catch {
      // Not every role sees the queue.
    }
  }

  /** 漏接回拨: claim the missed call (409 when a colleague took it), call, then record how it went. */
  private async callBack(missed: MissedCall): Promise<void> {
    if (!this.phone || this.busy) return;
    try {
      await api('POST', `/api/telephony/missed-calls/${encodeURIComponent(missed.id)}/claim`);
    } catch (error) {
      view.showError(view.describe(error, 'errCall'));
      await this.refreshMissedCalls();
      return;
    }
    const call = await this.dial(missed.caller);
    if (!call) {
      await api('POST', `/api/telephony/missed-calls/${encodeURIComponent(missed.id)}/release`).catch(() => {});
      return;
    }
    call.onChange((changed) => {
      if (changed.state !== SessionState.Terminated) return;
      const outcome = changed.answeredAt ? 'reached' : 'unreachable';
      void api('POST', `/api/telephony/missed-calls/${encodeURIComponent(missed.id)}/done`, { outcome, callbackCallId: changed.callId })
        .catch((error: unknown) => view.showError(view.describe(error, 'errCall')))
        .then(() => this.refreshMissedCalls());
    });
  }

  async dial(number: string): Promise<Call | null> {
    const phone = this.phone;
    if (!phone || this.busy) return null;
    let placed: Call | null = null;
    await this.act(async () => {
      const call = await phone.call(number);
      placed = call;
      this.track(call);
      void this.showCallerTickets(number);
      void this.report(call, { direction: 'outbound', caller: phone.sipUri.replace(/^sip:|@.*$/g, ''), callee: number, ringingAt: call.ringingAt.toISOString() });
    });
    return placed;
  }

  async loadTransferDepartments(): Promise<void> {
    try {
      view.showTransferDepartments((await api<{ items: DepartmentSummary[] }>('GET', '/api/departments?active=true')).items);
    } catch {
      // Without the list the operator still types the number.
    }
  }

  transfer(target: string): void {
    const call = this.current;
    const phone = this.phone;
    if (!call || !phone || !target) return;
    const departmentId = view.chosenTransferDepartment(target);
    void this.act(async () => {
      await call.transfer(target, phone.domain);
      if (departmentId) await this.report(call, { transferredTo: target, transferredToDepartmentId: departmentId });
    });
  }

  async submitTicket(form: HTMLFormElement): Promise<void> {
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
      view.showTicketCreated(ticket.number);
      if (data.get('resolvedOnCall') && value('answer')) {
        // 直办: the operator answered on the call; the ticket goes straight to callback.
        await api('POST', `/api/tickets/${ticket.id}/resolve-on-call`, { answer: value('answer'), knowledgeArticleId: value('knowledgeArticleId') || null });
        view.showResolvedOnCall();
      }
      const files = form.elements.namedItem('files') as HTMLInputElement;
      if (files.files?.length) {
        const { uploaded, refused } = await uploadFiles(staffFileRoutes(ticket.id), [...files.files]);
        view.showFilesSent(uploaded.length, refused);
      }
      view.ticketDone(form, ticket.id);
    } catch (error) {
      view.showError(view.describe(error, 'errCall'));
    }
  }

  async showDuplicates(form: HTMLFormElement): Promise<void> {
    const data = new FormData(form);
    const text = `${String(data.get('subject') ?? '')} ${String(data.get('content') ?? '')}`.trim();
    const phoneNumber = String(data.get('phone') ?? '').trim();
    if (!text) return;
    try {
      view.showDuplicates((await api<{ items: TicketSummary[] }>('POST', '/api/tickets/duplicates', { text, phone: phoneNumber || null })).items);
    } catch {
      // Candidates are a help, not a step.
    }
  }

  async searchKnowledge(q: string): Promise<void> {
    try {
      view.showKnowledge((await api<{ items: view.KnowledgeArticle[] }>('GET', `/api/knowledge/search?q=${encodeURIComponent(q)}&limit=5`)).items);
    } catch (error) {
      view.showKnowledge(view.describe(error, 'errCall'));
    }
  }

  /** After a language change: what is drawn from data is drawn again. */
  relabel(): void {
    if (this.phone) {
      view.showRegistration(this.phone.state);
      void this.loadTransferDepartments();
    }
    if (this.current) this.render(this.current);
  }
}
