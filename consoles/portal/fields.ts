import { ApiError } from '../shared/api.js';
import { h } from '../shared/dom.js';
import { lang } from '../shared/i18n.js';
import { m, type Key } from './text.js';

type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

/** The API's field names are the controls' names, so an error from the API lands beside its control. */
const idFor = (name: string) => `f-${name.replace(/\./g, '-')}`;

/** A labelled control with its hint and its error line; screen readers hear both with the control. */
export function field(labelKey: Key, control: Control, hintKey?: Key): HTMLElement {
  const id = idFor(control.name);
  control.id = id;
  control.setAttribute('aria-describedby', [hintKey ? `${id}-hint` : '', `${id}-error`].filter(Boolean).join(' '));
  return h('div', { class: 'field', 'data-field': control.name },
    h('label', { for: id, 'data-i18n': labelKey }, m.t(labelKey)),
    hintKey ? h('p', { class: 'hint', id: `${id}-hint`, 'data-i18n': hintKey }, m.t(hintKey)) : null,
    control,
    h('p', { class: 'field-error', id: `${id}-error`, hidden: true }),
  );
}

/** Radio buttons as one question: a fieldset whose legend is the question, each choice a big target. */
export function choices(name: string, legendKey: Key, options: readonly Key[]): HTMLElement {
  const id = idFor(name);
  return h('fieldset', { class: 'field choices', 'data-field': name, 'aria-describedby': `${id}-error` },
    h('legend', { 'data-i18n': legendKey }, m.t(legendKey)),
    ...options.map((option) => h('label', { class: 'choice' },
      h('input', { type: 'radio', name, value: option }),
      h('span', { 'data-i18n': option }, m.t(option)),
    )),
    h('p', { class: 'field-error', id: `${id}-error`, hidden: true }),
  );
}

/** What to tell the citizen about a field: one of our sentences, or the API's own words. */
export type Problem = { key: Key } | { text: string };

/**
 * The errors shown beside a form's fields. Kept as data so a language switch re-words them, and
 * named in the page's alert line so the citizen knows which fields to look at.
 */
export class FieldErrors {
  private readonly problems = new Map<string, Problem>();

  constructor(private readonly form: HTMLFormElement, private readonly labels: Record<string, Key>) {}

  set(name: string, problem: Problem): void {
    this.problems.set(name, problem);
  }

  clear(): void {
    this.problems.clear();
    this.render();
  }

  get size(): number {
    return this.problems.size;
  }

  /** The names of the fields in error, for the alert line. */
  summary(): string {
    return [...this.problems.keys()].map((name) => (this.labels[name] ? m.t(this.labels[name]) : name)).join(lang() === 'en' ? ', ' : '、');
  }

  /** Marks the fields, and moves the focus to the first one so a keyboard user lands on it. */
  render(focus = false): void {
    let first: HTMLElement | null = null;
    for (const box of this.form.querySelectorAll<HTMLElement>('[data-field]')) {
      const name = box.dataset.field!;
      const problem = this.problems.get(name);
      const line = box.querySelector<HTMLElement>('.field-error')!;
      line.textContent = problem ? ('key' in problem ? m.t(problem.key) : problem.text) : '';
      line.hidden = !problem;
      box.classList.toggle('invalid', Boolean(problem));
      for (const control of box.querySelectorAll('input, select, textarea')) {
        if (problem) control.setAttribute('aria-invalid', 'true');
        else control.removeAttribute('aria-invalid');
      }
      if (problem && !first) first = box.querySelector<HTMLElement>('input, select, textarea');
    }
    if (focus) first?.focus();
  }

  /**
   * The fields an API error names (400 VALIDATION_FAILED lists them; a domain error names one).
   * Returns false when it names none of this form's fields, so the caller shows it as a whole.
   */
  fromApi(error: unknown, wording: (field: string, apiMessage: string) => Problem): boolean {
    if (!(error instanceof ApiError)) return false;
    const details = error.details as { fields?: { field: string; message: string }[]; field?: string } | undefined;
    const named = details?.fields ?? (details?.field ? [{ field: details.field, message: error.message }] : []);
    const ours = named.filter((f) => this.form.querySelector(`[data-field="${CSS.escape(f.field)}"]`));
    for (const f of ours) this.set(f.field, wording(f.field, f.message));
    return ours.length > 0;
  }
}

/** Phone numbers as the API takes them, in any usual form (it stores them canonical); spaces typed between groups are dropped. */
export const normalizePhone = (value: string): string => value.replace(/\s+/g, '');

/** The API's pattern (`+86 138-0013-8000`, `(010)6234-5678`), plus enough digits to be a number someone can call back. */
export const validPhone = (value: string): boolean => value.length <= 40 && /^\(?\+?[0-9\-().]+$/.test(value) && value.replace(/\D/g, '').length >= 7;
