import '../shared/console.css';
import './portal.css';
import { h } from '../shared/dom.js';
import { onLangChange } from '../shared/i18n.js';
import { showError, startPublicPage } from '../shared/shell.js';
import { followView } from './follow.js';
import { resultsView } from './results.js';
import { submitView } from './submit.js';
import { surveyView } from './survey.js';
import { m } from './text.js';
import type { View } from './view.js';

/**
 * The citizens' portal, one page with hash routes: `#/submit`, `#/follow[/<number>]`, `#/results`
 * (结果公示) and `#/survey/<token>` (the link in the survey notice). Each screen is built once and kept, so moving
 * between them or switching the language loses nothing typed.
 */
const main = startPublicPage(() => m.t('title'));
const views = { submit: submitView(), follow: followView(), results: resultsView(), survey: surveyView() } satisfies Record<string, View>;
type Route = keyof typeof views;

const tabLabels = { submit: 'navSubmit', follow: 'navFollow', results: 'navResults' } as const;
const tabs = (Object.keys(tabLabels) as (keyof typeof tabLabels)[]).map((route) =>
  h('a', { href: `#/${route}`, class: 'tab', 'data-route': route, 'data-i18n': tabLabels[route] }, m.t(tabLabels[route])));
main.append(h('nav', { class: 'tabs', 'aria-label': m.t('title'), 'data-i18n-label': 'title' }, ...tabs), ...Object.values(views).map((view) => view.element));

function parse(hash: string): { route: Route; argument: string | null } {
  const [, name, ...rest] = hash.replace(/^#/, '').split('/');
  const route: Route = name === 'follow' || name === 'survey' || name === 'results' ? name : 'submit';
  return { route, argument: rest.length > 0 ? decodeURIComponent(rest.join('/')) : null };
}

let current: Route | null = null;

function show(): void {
  const { route, argument } = parse(location.hash);
  showError(null);
  for (const [name, view] of Object.entries(views)) view.element.hidden = name !== route;
  for (const tab of tabs) {
    if (tab.dataset.route === route) tab.setAttribute('aria-current', 'page');
    else tab.removeAttribute('aria-current');
  }
  views[route].open?.(argument);
  // The first screen keeps the page's natural focus; a screen the citizen moved to takes it.
  if (current !== null) views[route].focus();
  current = route;
}

window.addEventListener('hashchange', show);
onLangChange(() => {
  m.apply(main);
  for (const view of Object.values(views)) view.relabel();
});
show();
document.body.dataset.ready = 'true';
