import '../shared/console.css';
import './admin.css';
import { h } from '../shared/dom.js';
import { showError, startConsole } from '../shared/shell.js';
import { drawCalendar, showCalendarBanner } from './calendar.js';
import { drawCategories } from './categories.js';
import { drawDepartments } from './departments.js';
import { drawLimits } from './limits.js';
import { m } from './messages.js';
import { drawRouting } from './routing.js';
import { drawTemplates } from './templates.js';
import { drawUsers } from './users.js';
import { drawWebhooks } from './webhooks.js';

/** Each section is a hash route, `#/calendar/2026-10`: the part after the section is its own (the calendar's month). */
const sections = {
  users: drawUsers,
  departments: drawDepartments,
  categories: drawCategories,
  routing: drawRouting,
  limits: drawLimits,
  calendar: drawCalendar,
  templates: drawTemplates,
  webhooks: drawWebhooks,
} satisfies Record<string, (root: HTMLElement, argument?: string) => Promise<void>>;
type SectionName = keyof typeof sections;

function route(): { name: SectionName; argument: string | undefined } {
  const [, name, argument] = location.hash.split('/');
  return { name: name && name in sections ? (name as SectionName) : 'users', argument };
}

async function draw(main: HTMLElement, focus: boolean): Promise<void> {
  const { name, argument } = route();
  const section = h('div', { id: 'section', 'data-section': name });
  const reload = h('button', { type: 'button', id: 'reload', onclick: () => { showError(null); draw(main, true).catch(showError); } }, m.t('reload'));
  const tabs = h('nav', { class: 'tabs', 'aria-label': m.t('sections') },
    ...(Object.keys(sections) as SectionName[]).map((key) => h('a', { href: `#/${key}`, 'aria-current': key === name ? 'page' : null }, m.t(key))),
    reload,
  );
  main.replaceChildren(tabs, section);
  await Promise.all([showCalendarBanner(main), sections[name](section, argument)]);
  // After following a tab, keyboard and screen-reader users land on the section's heading.
  if (focus) section.querySelector<HTMLElement>('#section-title')?.focus();
}

let signedIn: HTMLElement | null = null;
window.addEventListener('hashchange', () => {
  if (!signedIn) return;
  showError(null);
  draw(signedIn, true).catch(showError);
});

void startConsole('admin', () => m.t('title'), async (main) => {
  signedIn = main;
  await draw(main, false);
});
