import '../shared/console.css';
import './workspace.css';
import { ApiError, type SessionView } from '../shared/api.js';
import { h } from '../shared/dom.js';
import { showError, showNotice, startConsole } from '../shared/shell.js';
import { Inbox } from './inbox.js';
import { connectLive, type LiveState } from './live.js';
import { Departments } from './model.js';
import { TicketPage } from './ticket-page.js';
import { m, word } from './text.js';

/**
 * The department workspace: the inbox at `#/`, one ticket at `#/tickets/<id>` (a shareable
 * address), new assignments pushed by the API while the page is open.
 */
class Workspace {
  private readonly departments: Departments;
  private readonly inbox: Inbox;
  private readonly page: TicketPage;
  private view: { kind: 'inbox' } | { kind: 'ticket'; id: string } | { kind: 'refused'; status: number; message: string } = { kind: 'inbox' };
  private live: LiveState = 'connecting';
  private readonly liveStatus = h('p', { id: 'live-status', role: 'status', class: 'muted' });

  constructor(private readonly main: HTMLElement, session: SessionView) {
    this.departments = new Departments(session);
    this.inbox = new Inbox(this.departments);
    this.page = new TicketPage(this.departments, (action, ticket) => {
      this.draw();
      showNotice(m.t('done', { action: word('a', action), number: ticket.number }));
      // The form just used is gone with the redraw: keyboard users start again from the top of the page.
      this.main.focus({ preventScroll: true });
    });
  }

  async start(): Promise<void> {
    await this.departments.loadOwn();
    window.addEventListener('hashchange', () => void this.route().catch(showError));
    connectLive({
      ready: () => { if (this.view.kind === 'inbox') void this.inbox.load().catch(showError); },
      assigned: (ticket) => {
        if (this.view.kind !== 'ticket' || this.view.id !== ticket.id) this.inbox.markFresh(ticket.id);
        showNotice(m.t('newAssignment', { number: ticket.number, subject: ticket.subject }));
        if (this.view.kind === 'inbox') void this.inbox.load().catch(showError);
      },
      state: (state) => {
        this.live = state;
        this.drawLiveStatus();
      },
    });
    await this.route();
  }

  /** Follows the address; other fragments (the skip link's `#main`) leave the page as it is. */
  async route(): Promise<void> {
    const hash = location.hash;
    const ticket = /^#\/tickets\/([^/]+)$/.exec(hash);
    if (!ticket && hash !== '' && hash !== '#/') return;
    showError(null);
    try {
      if (ticket) {
        const id = decodeURIComponent(ticket[1]!);
        this.inbox.seen(id);
        await this.page.load(id);
        this.view = { kind: 'ticket', id };
      } else {
        await this.inbox.load();
        this.view = { kind: 'inbox' };
      }
    } catch (error) {
      if (!(error instanceof ApiError) || error.status === 401 || !ticket) throw error;
      // Another department's ticket, or none: the API's refusal and nothing of the ticket.
      this.view = { kind: 'refused', status: error.status, message: error.message };
    }
    this.draw();
    this.main.focus({ preventScroll: true });
  }

  /** Draws from what was loaded: runs again on a language switch. */
  draw(): void {
    this.drawLiveStatus();
    const body =
      this.view.kind === 'ticket' ? this.page.draw()
      : this.view.kind === 'refused' ? h('section', { id: 'refused', class: 'card' },
        h('p', { role: 'alert' }, m.t('notOpened', { status: this.view.status, message: this.view.message })),
        h('p', {}, m.t('notOursHint')),
        h('p', {}, h('a', { href: '#/' }, `← ${m.t('back')}`)))
      : this.inbox.draw();
    this.main.replaceChildren(this.liveStatus, body);
    document.title = m.t('title');
  }

  private drawLiveStatus(): void {
    this.liveStatus.dataset.state = this.live;
    this.liveStatus.textContent = m.t(this.live === 'open' ? 'liveOpen' : this.live === 'closed' ? 'liveClosed' : 'liveConnecting');
  }
}

let workspace: Workspace | null = null;

void startConsole('workspace', () => m.t('title'), async (main, session) => {
  if (workspace) return workspace.draw();
  workspace = new Workspace(main, session);
  await workspace.start();
});
