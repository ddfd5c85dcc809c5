import '../shared/console.css';
import './supervisor.css';
import { h } from '../shared/dom.js';
import { today } from '../shared/format.js';
import { showError, startConsole } from '../shared/shell.js';
import type { TicketLink } from './dashboard.js';
import { m } from './messages.js';
import { allActions, Departments, renderWorkArea, workAreas } from './work.js';

/**
 * 派单与督办: the dispatch queue, returns and extensions, reply review, urging and supervision,
 * and the dashboard whose numbers lead to the ticket list. The view lives in the address
 * (`#dashboard?from=…&to=…`, `#tickets?…`), so the browser's back button and a reload keep it.
 */
const areas = ['queue', 'decisions', 'review', 'oversee', 'dashboard'] as const;
type Area = (typeof areas)[number] | 'tickets';

const departments = new Departments();
/** The dashboard's period last shown, for the way back from its tickets. */
let dashboardPeriod: Record<string, string> = {};

function route(): { area: Area; params: URLSearchParams } {
  const [name = '', search = ''] = location.hash.slice(1).split('?');
  const area = (name === 'tickets' || (areas as readonly string[]).includes(name) ? name : 'queue') as Area;
  return { area, params: new URLSearchParams(search) };
}

function go(area: Area, params: Record<string, string> = {}): void {
  const search = new URLSearchParams(params).toString();
  location.hash = `${area}${search ? `?${search}` : ''}`;
}

function showTickets(link: TicketLink): void {
  go('tickets', { ...link.filters, ...(link.search ? { q: link.search } : {}), what: link.what });
}

async function draw(main: HTMLElement): Promise<void> {
  const { area, params } = route();
  const view = h('div', { id: 'view' });
  const tabs = h('nav', { class: 'tabs', 'aria-label': m.t('sections') }, ...areas.map((a) =>
    h('a', { href: `#${a}`, 'aria-current': a === area ? 'page' : null, 'data-area': a }, m.t(a))));
  main.replaceChildren(tabs, view);
  showError(null);
  if (area === 'dashboard') {
    const end = today();
    const period = { from: params.get('from') ?? `${end.slice(0, 8)}01`, to: params.get('to') ?? end };
    dashboardPeriod = period;
    // The dashboard's charts (ECharts, most of this console's code) load when it is first opened.
    const { renderDashboard } = await import('./dashboard.js');
    await renderDashboard(view, period, showTickets, (p) => go('dashboard', p));
  } else if (area === 'tickets') {
    await renderTickets(view, params);
  } else {
    await renderWorkArea(view, workAreas[area], departments, m.t(area));
  }
}

/** The tickets behind a dashboard number (up to 200), with every action the centre may take on them. */
async function renderTickets(root: HTMLElement, params: URLSearchParams): Promise<void> {
  const what = params.get('what') ?? '';
  const search = params.get('q') ?? undefined;
  const filters = Object.fromEntries([...params].filter(([k]) => k !== 'what' && k !== 'q'));
  const list = h('div', {});
  root.replaceChildren(h('a', { href: `#dashboard?${new URLSearchParams(dashboardPeriod).toString()}`, id: 'back' }, m.t('backToDashboard')), list);
  await renderWorkArea(list, { lists: [{ title: 'tickets', query: { ...filters, limit: '200' }, ...(search ? { search } : {}) }], actions: allActions }, departments, m.t('listOf', { what }));
}

void startConsole('supervisor', () => m.t('title'), async (main) => {
  window.onhashchange = () => void draw(main).catch(showError);
  await draw(main);
});
