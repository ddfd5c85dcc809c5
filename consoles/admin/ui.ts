import type { DepartmentView } from '../../core/departments/department.js';
import type { CurrentSettings } from '../../core/settings/hotline-settings.js';
import { ApiError, type Json } from '../shared/api.js';
import { h } from '../shared/dom.js';
import { showError, showNotice } from '../shared/shell.js';
import { m, type MessageKey } from './messages.js';

/** What the API answers for the records this console edits. */
export type Department = Json<DepartmentView>;

/** What GET and PATCH /api/settings answer: the current settings but the calendar built from them. */
export type SettingsView = Json<Omit<CurrentSettings, 'calendar'>>;

let hints = 0;

/** A labelled control: the label's text is the control's accessible name. */
export function field(text: string, control: HTMLElement, hint?: string): HTMLElement {
  if (!hint) return h('label', {}, h('span', {}, text), control);
  // The hint describes the control rather than naming it: outside the label, linked by aria-describedby.
  const id = `hint-${++hints}`;
  control.setAttribute('aria-describedby', id);
  return h('div', {}, h('label', {}, h('span', {}, text), control), h('small', { class: 'hint', id }, hint));
}

/** `name` null for controls read by position rather than by name. */
export function select(name: string | null, options: readonly (readonly [value: string, label: string])[], selected: string | null = null, attributes: Record<string, string | boolean> = {}): HTMLSelectElement {
  return h('select', { name, ...attributes }, ...options.map(([value, label]) => h('option', { value, selected: value === (selected ?? '') }, label)));
}

export function heading(key: MessageKey): HTMLHeadingElement {
  return h('h2', { id: 'section-title', tabindex: '-1' }, m.t(key));
}

/** Departments ordered by code and indented by depth, for pickers. */
export function departmentOptions(departments: readonly Department[], empty: string | null = m.t('none')): [string, string][] {
  const sorted = [...departments].sort((a, b) => a.code.localeCompare(b.code));
  return [...(empty === null ? [] : [['', empty] as [string, string]]), ...sorted.map((d): [string, string] => [d.id, `${'　'.repeat(d.ancestors.length)}${d.name}`])];
}

/** The fields the API named in an error: `details.fields[].field` (validation) or `details.field` (a domain rule). */
function errorFields(error: ApiError): string[] {
  const details = error.details as { fields?: { field?: string }[]; field?: string } | undefined;
  return [...(details?.fields?.map((f) => f.field ?? '') ?? []), details?.field ?? ''].filter(Boolean);
}

/**
 * Runs a save from a form: on success a notice; on failure the API's code and message (which names
 * the field), the named controls marked invalid and the first focused. The form is never redrawn on
 * failure, so what the administrator typed stays.
 */
export async function save<T>(form: HTMLElement, action: () => Promise<T>, success: MessageKey): Promise<T | undefined> {
  for (const marked of form.querySelectorAll('[aria-invalid]')) marked.removeAttribute('aria-invalid');
  const buttons = [...form.querySelectorAll<HTMLButtonElement>('button')];
  for (const button of buttons) button.disabled = true;
  try {
    const result = await action();
    showError(null);
    showNotice(m.t(success));
    return result;
  } catch (error) {
    if (!(error instanceof ApiError)) {
      showError(error);
      return undefined;
    }
    const message = error.code === 'VERSION_CONFLICT' ? `${m.t('conflict')} (${error.message})` : error.message;
    showError(new ApiError(error.status, error.code, `${error.code} · ${message}`, error.details));
    const controls = [...form.querySelectorAll<HTMLElement>('[name], [data-field]')];
    const invalid = controls.filter((control) => {
      const own = control.dataset.field ?? control.getAttribute('name') ?? '';
      return errorFields(error).some((f) => f === own || f.startsWith(`${own}.`));
    });
    for (const control of invalid) control.setAttribute('aria-invalid', 'true');
    invalid[0]?.focus();
    return undefined;
  } finally {
    for (const button of buttons) button.disabled = false;
  }
}

/** A number input's value, or undefined when empty (so the API says which field is missing). */
export function numberValue(input: HTMLInputElement): number | undefined {
  return input.value.trim() === '' ? undefined : Number(input.value);
}

export const blankToNull = (value: string): string | null => (value.trim() === '' ? null : value.trim());
