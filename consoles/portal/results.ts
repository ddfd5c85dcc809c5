import { api } from '../shared/api.js';
import { h } from '../shared/dom.js';
import { percent } from '../shared/format.js';
import { showError } from '../shared/shell.js';
import { m, type Key } from './text.js';
import type { View } from './view.js';

/** GET /api/public/results: what the administrator publishes of the hotline's results. */
interface PublishedResults {
  enabled: boolean;
  month: string;
  named: number;
  departments: { rank: number; department: string; responseRate: number; resolutionRate: number; satisfactionRate: number; score: number; praised: boolean; named: boolean }[] | null;
  tickets: { closedOn: string; requestType: string; category: string | null; department: string | null; summary: string; reply: string | null }[] | null;
}

/** 结果公示: last month's rates per department, those praised and named, and recently completed requests, anonymised. */
export function resultsView(): View {
  const body = h('div', { id: 'results-body', 'aria-live': 'polite' });
  const card = h('section', { class: 'card', 'aria-labelledby': 'results-title' },
    h('h2', { id: 'results-title', tabindex: '-1', 'data-i18n': 'resultsTitle' }, m.t('resultsTitle')),
    h('p', { class: 'muted', 'data-i18n': 'resultsIntro' }, m.t('resultsIntro')),
    body,
  );
  let results: PublishedResults | null = null;

  const ranking = (rows: NonNullable<PublishedResults['departments']>, month: string) => h('section', { id: 'results-ranking' },
    h('h3', {}, m.t('rankingTitle', { month })),
    rows.length === 0
      ? h('p', { class: 'muted' }, m.t('nothingRanked'))
      : h('div', { class: 'table-scroll' }, h('table', {},
        h('thead', {}, h('tr', {}, ...(['rank', 'department', 'responseRate', 'resolutionRate', 'satisfactionRate', 'score'] as const).map((key) => h('th', { scope: 'col' }, m.t(key))))),
        h('tbody', {}, ...rows.map((row) => h('tr', { class: row.praised ? 'praised' : row.named ? 'named' : '' },
          h('td', {}, String(row.rank)),
          h('th', { scope: 'row' }, row.department, ' ', row.praised ? h('span', { class: 'badge good' }, m.t('praised')) : null, row.named ? h('span', { class: 'badge red' }, m.t('namedBadge')) : null),
          h('td', {}, percent(row.responseRate)), h('td', {}, percent(row.resolutionRate)), h('td', {}, percent(row.satisfactionRate)), h('td', {}, row.score.toFixed(3)),
        ))),
      )),
  );

  const closed = (tickets: NonNullable<PublishedResults['tickets']>) => h('section', { id: 'results-tickets' },
    h('h3', {}, m.t('closedTitle')),
    tickets.length === 0
      ? h('p', { class: 'muted' }, m.t('nothingClosed'))
      : h('ul', { class: 'closed-tickets' }, ...tickets.map((t) => h('li', { class: 'card' },
        h('p', { class: 'muted' }, `${t.closedOn} · ${m.t(t.requestType as Key)}${t.category ? ` · ${t.category}` : ''}${t.department ? ` · ${t.department}` : ''}`),
        h('p', { class: 'summary' }, t.summary),
        t.reply ? h('div', { class: 'reply' }, h('h4', {}, m.t('reply')), h('p', {}, t.reply)) : null,
      ))),
  );

  const draw = () => {
    if (!results) return body.replaceChildren();
    if (!results.enabled) return body.replaceChildren(h('p', { class: 'muted', id: 'results-off' }, m.t('resultsOff')));
    body.replaceChildren(
      ...(results.departments ? [ranking(results.departments, results.month), h('p', { class: 'muted' }, m.t('rankingNote', { n: results.named }))] : []),
      ...(results.tickets ? [closed(results.tickets)] : []),
    );
  };

  return {
    element: card,
    open() {
      api<PublishedResults>('GET', '/api/public/results')
        .then((published) => (results = published))
        .catch((error: unknown) => showError(error))
        .finally(() => {
          draw();
          card.dataset.loaded = 'true';
        });
    },
    focus: () => card.querySelector<HTMLElement>('h2')!.focus(),
    relabel: draw,
  };
}
