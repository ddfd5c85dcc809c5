import type { PublicCategory as ServerPublicCategory } from '../../core/categories/categories.js';
import type { Json } from '../shared/api.js';
import { h } from '../shared/dom.js';
import { lang } from '../shared/i18n.js';
import { m, type Key } from './text.js';

/** One node of GET /api/public/categories. */
export type PublicCategory = Json<ServerPublicCategory>;

const levels: readonly Key[] = ['level1', 'level2', 'level3'];
const maxResults = 8;

/**
 * The three-level category tree as cascading selects, with a search over the full paths for those
 * who know a word but not where it sits. The value is the deepest level chosen: a citizen unsure of
 * the detail may stop at the main category.
 */
export class CategoryPicker {
  readonly element: HTMLFieldSetElement;
  private byId = new Map<string, PublicCategory>();
  private children = new Map<string | null, PublicCategory[]>();
  private readonly selects: HTMLSelectElement[];
  private readonly rows: HTMLElement[];
  private readonly search: HTMLInputElement;
  private readonly results: HTMLUListElement;
  private readonly chosen: HTMLElement;
  private readonly empty: HTMLElement;

  constructor() {
    this.selects = levels.map((key, i) => h('select', { id: `f-category-${i + 1}`, name: `category${i + 1}`, 'aria-describedby': 'f-categoryId-error', onchange: () => this.cascade(i) }));
    this.rows = levels.map((key, i) => h('div', { class: 'level' }, h('label', { for: this.selects[i]!.id, 'data-i18n': key }, m.t(key)), this.selects[i]!));
    this.search = h('input', {
      type: 'search', id: 'f-category-search', autocomplete: 'off', 'aria-controls': 'category-results', 'aria-describedby': 'f-category-search-hint',
      oninput: () => this.showResults(), onkeydown: (event) => this.moveIntoResults(event as KeyboardEvent),
    });
    this.results = h('ul', { id: 'category-results', class: 'results', 'aria-label': m.t('categorySearch') });
    this.chosen = h('p', { class: 'chosen', 'aria-live': 'polite' });
    this.empty = h('p', { class: 'muted', 'data-i18n': 'noCategories', hidden: true }, m.t('noCategories'));
    this.element = h('fieldset', { class: 'field category', 'data-field': 'categoryId' },
      h('legend', { 'data-i18n': 'category' }, m.t('category')),
      h('p', { class: 'hint', 'data-i18n': 'categoryHint' }, m.t('categoryHint')),
      ...this.rows,
      h('div', { class: 'level' },
        h('label', { for: this.search.id, 'data-i18n': 'categorySearch' }, m.t('categorySearch')),
        h('p', { class: 'hint', id: 'f-category-search-hint', 'data-i18n': 'categorySearchHint' }, m.t('categorySearchHint')),
        this.search,
      ),
      this.results,
      this.chosen,
      this.empty,
      h('p', { class: 'field-error', id: 'f-categoryId-error', hidden: true }),
    );
  }

  /** Takes a (re)loaded tree, keeping as much of the choice as is still in it. */
  load(items: PublicCategory[]): void {
    const before = this.value();
    const chain = before ? this.path(this.byId.get(before)!).map((c) => c.id) : [];
    this.byId = new Map(items.map((c) => [c.id, c]));
    this.children = new Map();
    for (const c of items) this.children.set(c.parentId, [...(this.children.get(c.parentId) ?? []), c]);
    // A retired choice falls back to the finest level above it that is still there.
    this.pick(chain.filter((id) => this.byId.has(id)).at(-1) ?? null);
    this.empty.hidden = items.length > 0;
  }

  /** The deepest category chosen, or null. */
  value(): string | null {
    return [...this.selects].reverse().find((s) => s.value)?.value ?? null;
  }

  /** A choice is required when there is a tree to choose from. */
  get required(): boolean {
    return this.byId.size > 0;
  }

  /** Re-words the options and the results after a language switch; the choice stays. */
  relabel(): void {
    for (const select of this.selects) {
      for (const option of select.options) option.textContent = option.value ? this.label(this.byId.get(option.value)!) : m.t('choose');
    }
    this.results.setAttribute('aria-label', m.t('categorySearch'));
    this.showChosen();
    this.showResults();
  }

  reset(): void {
    this.pick(null);
  }

  private label(c: PublicCategory): string {
    return lang() === 'en' ? (c.nameEn ?? c.name) : c.name;
  }

  private path(c: PublicCategory): PublicCategory[] {
    const up: PublicCategory[] = [c];
    for (let at = c; at.parentId && this.byId.has(at.parentId); ) up.unshift((at = this.byId.get(at.parentId)!));
    return up;
  }

  /** Lists the children of `parentId` in select `index`, and hides the levels below that have nothing to offer. */
  private fill(index: number, parentId: string | null): void {
    const options = parentId === null && index > 0 ? [] : (this.children.get(parentId) ?? []);
    const select = this.selects[index]!;
    select.replaceChildren(h('option', { value: '' }, m.t('choose')), ...options.map((c) => h('option', { value: c.id }, this.label(c))));
    this.rows[index]!.hidden = options.length === 0;
    if (index + 1 < this.selects.length) this.fill(index + 1, null);
  }

  private cascade(index: number): void {
    const value = this.selects[index]!.value;
    if (index + 1 < this.selects.length) this.fill(index + 1, value || null);
    this.showChosen();
  }

  private pick(id: string | null): void {
    this.fill(0, null);
    const chain = id ? this.path(this.byId.get(id)!) : [];
    chain.forEach((c, i) => {
      this.selects[i]!.value = c.id;
      this.cascade(i);
    });
    this.showChosen();
  }

  private showChosen(): void {
    const id = this.value();
    this.chosen.textContent = id ? m.t('chosen', { path: this.path(this.byId.get(id)!).map((c) => this.label(c)).join(' › ') }) : '';
  }

  /** The categories whose path (in either language) holds every word typed, finest first. */
  private showResults(): void {
    const words = this.search.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    if (words.length === 0) return this.results.replaceChildren();
    const matches = [...this.byId.values()]
      .filter((c) => {
        const path = this.path(c);
        const text = path.map((p) => `${p.name} ${p.nameEn ?? ''}`).join(' ').toLowerCase();
        return words.every((w) => text.includes(w));
      })
      .sort((a, b) => b.level - a.level)
      .slice(0, maxResults);
    this.results.replaceChildren(
      ...(matches.length === 0
        ? [h('li', { class: 'muted' }, m.t('noMatch'))]
        : matches.map((c) => h('li', {}, h('button', {
          type: 'button', class: 'result', 'data-id': c.id,
          onclick: () => {
            this.pick(c.id);
            this.search.value = '';
            this.results.replaceChildren();
            this.selects[c.level - 1]!.focus();
          },
          onkeydown: (event) => this.moveBetweenResults(event as KeyboardEvent),
        }, this.path(c).map((p) => this.label(p)).join(' › '))))),
    );
  }

  private moveIntoResults(event: KeyboardEvent): void {
    if (event.key !== 'ArrowDown') return;
    const first = this.results.querySelector<HTMLButtonElement>('button');
    if (!first) return;
    event.preventDefault();
    first.focus();
  }

  private moveBetweenResults(event: KeyboardEvent): void {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    event.preventDefault();
    const buttons = [...this.results.querySelectorAll<HTMLButtonElement>('button')];
    const at = buttons.indexOf(event.target as HTMLButtonElement) + (event.key === 'ArrowDown' ? 1 : -1);
    (at < 0 ? this.search : buttons[Math.min(at, buttons.length - 1)]!).focus();
  }
}
