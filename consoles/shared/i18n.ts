/**
 * zh-CN first, English second: `?lang=en`, or the toggle, which is remembered. Elements carry
 * `data-i18n="key"` (text) or `data-i18n-label="key"` (aria-label and placeholder); `apply` fills them.
 */
export type Lang = 'zh-CN' | 'en';

const stored = (): Lang | null => {
  const fromUrl = new URLSearchParams(location.search).get('lang');
  if (fromUrl === 'en' || fromUrl === 'zh-CN') return fromUrl;
  const remembered = localStorage.getItem('hotline.lang');
  return remembered === 'en' || remembered === 'zh-CN' ? remembered : null;
};

let current: Lang = stored() ?? 'zh-CN';
const listeners: (() => void)[] = [];

export const lang = (): Lang => current;

export function setLang(next: Lang): void {
  current = next;
  localStorage.setItem('hotline.lang', next);
  document.documentElement.lang = next;
  for (const listener of listeners) listener();
}

export function onLangChange(listener: () => void): void {
  listeners.push(listener);
}

export interface Messages<K extends string> {
  t(key: K, values?: Record<string, string | number>): string;
  apply(root?: ParentNode): void;
}

/** A console's messages: the Chinese table defines the keys, the English one must have them all. */
export function messages<K extends string>(zh: Record<K, string>, en: Record<K, string>): Messages<K> {
  const t = (key: K, values: Record<string, string | number> = {}) =>
    (current === 'en' ? en : zh)[key].replace(/\{(\w+)\}/g, (_, name: string) => String(values[name] ?? `{${name}}`));
  const apply = (root: ParentNode = document) => {
    for (const element of root.querySelectorAll<HTMLElement>('[data-i18n]')) {
      const key = element.dataset.i18n as K;
      if (key in zh) element.textContent = t(key);
    }
    for (const element of root.querySelectorAll<HTMLElement>('[data-i18n-label]')) {
      const key = element.dataset.i18nLabel as K;
      if (!(key in zh)) continue;
      element.setAttribute('aria-label', t(key));
      if ('placeholder' in element) element.setAttribute('placeholder', t(key));
    }
  };
  return { t, apply };
}
