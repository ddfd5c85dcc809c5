import './softphone.css';
import { api, type SessionView } from './api.js';
import { applyLanguage, lang } from './i18n.js';
import { setMicrophone } from './phone.js';
import { Softphone } from './state.js';
import { $, describe, showError } from './view.js';

/** The softphone page: wires its controls to the operator's Softphone (state.ts), which view.ts draws. */
function wire(): void {
  const softphone = new Softphone($<HTMLAudioElement>('#remote-audio'));
  const showLanguage = () => ($('#lang').textContent = lang === 'en' ? '中文' : 'English');
  applyLanguage();
  showLanguage();
  $('#lang').addEventListener('click', () => {
    applyLanguage(lang === 'en' ? 'zh-CN' : 'en');
    showLanguage();
    softphone.relabel();
  });
  $<HTMLFormElement>('#login-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(event.target as HTMLFormElement);
    void (async () => {
      try {
        const session = await api<SessionView>('POST', '/api/auth/login', { username: String(data.get('username')), password: String(data.get('password')) });
        showError(null);
        await softphone.signedIn(session);
      } catch (error) {
        showError(describe(error, 'errSignIn'));
      }
    })();
  });
  $('#logout').addEventListener('click', () => {
    void softphone.signOut().then(() => location.reload());
  });
  for (const button of document.querySelectorAll<HTMLButtonElement>('[data-agent-state]')) {
    button.addEventListener('click', () => void softphone.setAgentState(button.dataset.agentState ?? ''));
  }
  $('#answer').addEventListener('click', () => void softphone.act(async (call) => call?.answer()));
  $('#reject').addEventListener('click', () => void softphone.act(async (call) => call?.reject()));
  $('#hangup').addEventListener('click', () => void softphone.act(async (call) => call?.hangUp()));
  $('#hold').addEventListener('click', () => void softphone.act(async (call) => call?.setHold(!call.held)));
  $('#mute').addEventListener('click', () => softphone.current?.setMuted(!softphone.current.muted));
  for (const button of document.querySelectorAll<HTMLButtonElement>('[data-dtmf]')) {
    button.addEventListener('click', () => void softphone.act(async (call) => call?.sendDtmf(button.dataset.dtmf ?? '')));
  }
  $<HTMLFormElement>('#transfer-form').addEventListener('submit', (event) => {
    event.preventDefault();
    softphone.transfer(String(new FormData(event.target as HTMLFormElement).get('target') ?? '').trim());
  });
  $<HTMLSelectElement>('#transfer-department').addEventListener('change', (event) => {
    const number = (event.target as HTMLSelectElement).value;
    if (number) ($<HTMLFormElement>('#transfer-form').elements.namedItem('target') as HTMLInputElement).value = number;
  });
  $<HTMLFormElement>('#dial-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const number = String(new FormData(event.target as HTMLFormElement).get('number') ?? '').trim();
    if (number) void softphone.dial(number);
  });
  $<HTMLFormElement>('#knowledge-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const q = String(new FormData(event.target as HTMLFormElement).get('q') ?? '').trim();
    if (q) void softphone.searchKnowledge(q);
  });
  $<HTMLSelectElement>('#microphone').addEventListener('change', (event) => setMicrophone((event.target as HTMLSelectElement).value));
  $<HTMLSelectElement>('#speaker').addEventListener('change', (event) => {
    const audio = $<HTMLAudioElement>('#remote-audio') as HTMLAudioElement & { setSinkId?: (id: string) => Promise<void> };
    void audio.setSinkId?.((event.target as HTMLSelectElement).value).catch((error: unknown) => showError(describe(error, 'errCall')));
  });
  navigator.mediaDevices?.addEventListener?.('devicechange', () => void softphone.refreshDevices());
  $('#refresh-missed').addEventListener('click', () => void softphone.refreshMissedCalls());
  const ticketForm = $<HTMLFormElement>('#ticket-form');
  ticketForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void softphone.submitTicket(ticketForm);
  });
  (ticketForm.elements.namedItem('content') as HTMLTextAreaElement).addEventListener('change', () => void softphone.showDuplicates(ticketForm));
  window.addEventListener('beforeunload', () => void softphone.phone?.stop());

  // Already signed in (a reload): resume; otherwise (401) the sign-in form stays. Then the page is ready.
  void api<SessionView>('GET', '/api/auth/session')
    .then((session) => softphone.signedIn(session))
    .catch(() => {})
    .finally(() => {
      document.body.dataset.ready = 'true';
    });
}

wire();
