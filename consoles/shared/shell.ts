import type { Role } from '../../core/accounts/roles.js';
import { api, ApiError, setCsrfToken, type SessionView } from './api.js';
import { $, formValues, h } from './dom.js';
import { lang, messages, onLangChange, setLang } from './i18n.js';
import { consoles, type ConsoleName } from './pages.js';

const shell = messages(
  {
    portal: '市民服务', workspace: '承办工作台', supervisor: '派单与督办', admin: '系统管理', softphone: '软电话',
    signIn: '登录', username: '用户名', password: '密码', signOut: '退出', otherLanguage: 'English', skip: '跳到正文',
    notAllowed: '您的角色不能使用此控制台。', signInFailed: '登录失败', error: '出错了', sessionEnded: '会话已结束，请重新登录。',
  },
  {
    portal: 'Citizen portal', workspace: 'Department workspace', supervisor: 'Dispatch and supervision', admin: 'Administration', softphone: 'Softphone',
    signIn: 'Sign in', username: 'User name', password: 'Password', signOut: 'Sign out', otherLanguage: '中文', skip: 'Skip to content',
    notAllowed: 'Your role cannot use this console.', signInFailed: 'Sign-in failed', error: 'Something went wrong', sessionEnded: 'Your session ended; sign in again.',
  },
);

/** Which roles may use which staff console; the API enforces the same through its permissions. */
const consoleRoles: Record<Exclude<ConsoleName, 'portal'>, readonly Role[]> = {
  workspace: ['department_staff', 'department_head'],
  supervisor: ['dispatcher', 'supervisor'],
  admin: ['administrator'],
};

/** The message of an error as a user should read it: the API's own message names the field. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return error instanceof Error ? error.message : String(error);
}

/** Shows (or, with null, hides) the page's one alert line. */
export function showError(error: unknown): void {
  const box = document.getElementById('error');
  if (!box) return;
  box.textContent = error === null ? '' : `${shell.t('error')}: ${errorText(error)}`;
  box.hidden = error === null;
  if (error instanceof ApiError && error.status === 401) box.textContent = shell.t('sessionEnded');
}

/** A short-lived confirmation beside the alert line (`role=status`, so screen readers hear it). */
export function showNotice(text: string): void {
  const box = document.getElementById('notice');
  if (!box) return;
  box.textContent = text;
  box.hidden = false;
  setTimeout(() => { if (box.textContent === text) box.hidden = true; }, 6000);
}

function header(title: () => string, session: SessionView | null, onSignOut: () => void): HTMLElement {
  const heading = h('h1', {}, title());
  const nav = h('nav', { 'aria-label': 'consoles' });
  const language = h('button', { type: 'button', id: 'lang', onclick: () => setLang(lang() === 'en' ? 'zh-CN' : 'en') }, shell.t('otherLanguage'));
  const signOut = h('button', { type: 'button', id: 'sign-out', onclick: onSignOut }, shell.t('signOut'));
  const who = h('span', { id: 'who' }, session?.user.displayName ?? session?.user.username ?? '');
  const render = () => {
    heading.textContent = title();
    language.textContent = shell.t('otherLanguage');
    signOut.textContent = shell.t('signOut');
    nav.replaceChildren(...(session ? staffLinks(session) : []));
  };
  onLangChange(render);
  render();
  return h('header', {}, heading, nav, h('div', { class: 'status' }, who, language, session ? signOut : null));
}

function staffLinks(session: SessionView): HTMLElement[] {
  const links = (Object.keys(consoleRoles) as (keyof typeof consoleRoles)[])
    .filter((name) => consoleRoles[name].some((role) => session.user.roles.includes(role)))
    .map((name) => h('a', { href: consoles[name], 'aria-current': location.pathname === consoles[name] ? 'page' : null }, shell.t(name)));
  if (session.user.roles.includes('operator')) links.push(h('a', { href: '/softphone/' }, shell.t('softphone')));
  return links;
}

function frame(title: () => string, session: SessionView | null, onSignOut: () => void): HTMLElement {
  const main = h('main', { id: 'main', tabindex: '-1' });
  document.body.replaceChildren(
    h('a', { class: 'skip', href: '#main' }, shell.t('skip')),
    header(title, session, onSignOut),
    h('p', { id: 'error', role: 'alert', hidden: true }),
    h('p', { id: 'notice', role: 'status', hidden: true }),
    main,
  );
  document.documentElement.lang = lang();
  return main;
}

/** The citizens' page: no sign-in. Returns the element to fill. */
export function startPublicPage(title: () => string): HTMLElement {
  return frame(title, null, () => {});
}

/**
 * A staff console: signs in (or reuses the session), checks the role, draws the header with the
 * consoles this user may open, and hands the page body to `render`. `render` runs again after a
 * language change, so it draws from data it keeps, not from the DOM.
 */
export async function startConsole(name: Exclude<ConsoleName, 'portal'>, title: () => string, render: (main: HTMLElement, session: SessionView) => void | Promise<void>): Promise<void> {
  const session = await api<SessionView>('GET', '/api/auth/session').catch((error: unknown) => {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  });
  if (!session) return signInPage(name, title, render);
  setCsrfToken(session.csrfToken);
  const signOut = async () => {
    await api('POST', '/api/auth/logout').catch(() => undefined);
    setCsrfToken(null);
    location.reload();
  };
  const main = frame(title, session, () => void signOut());
  if (!consoleRoles[name].some((role) => session.user.roles.includes(role))) {
    main.append(h('p', { class: 'empty' }, shell.t('notAllowed')));
    return;
  }
  const draw = async () => {
    try {
      await render(main, session);
    } catch (error) {
      showError(error);
    }
  };
  onLangChange(() => void draw());
  await draw();
  document.body.dataset.ready = 'true';
}

function signInPage(name: Exclude<ConsoleName, 'portal'>, title: () => string, render: (main: HTMLElement, session: SessionView) => void | Promise<void>): void {
  const main = frame(title, null, () => {});
  const form = h('form', { id: 'sign-in', class: 'card narrow' },
    h('h2', { 'data-i18n': 'signIn' }, shell.t('signIn')),
    h('label', {}, h('span', { 'data-i18n': 'username' }, shell.t('username')), h('input', { name: 'username', autocomplete: 'username', required: true })),
    h('label', {}, h('span', { 'data-i18n': 'password' }, shell.t('password')), h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true })),
    h('button', { type: 'submit', class: 'primary', 'data-i18n': 'signIn' }, shell.t('signIn')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    api<SessionView>('POST', '/api/auth/login', formValues(form))
      .then(() => startConsole(name, title, render))
      .catch((error: unknown) => showError(new Error(`${shell.t('signInFailed')}: ${errorText(error)}`)));
  });
  onLangChange(() => shell.apply(form));
  main.append(form);
  $<HTMLInputElement>('input[name=username]', form).focus();
  document.body.dataset.ready = 'true';
}
