import { COMPLEX_CATEGORY_LIMITS } from '../../core/clocks/default-limits.js';
import type { CategoryView } from '../../core/categories/category.js';
import { api, type Json } from '../shared/api.js';
import { $, h } from '../shared/dom.js';
import { m } from './messages.js';
import { limitsTable, limitText, readLimits, slotOf } from './limits-form.js';
import { blankToNull, departmentOptions, field, heading, save, select, type Department, type SettingsView } from './ui.js';

/** What GET /api/categories answers. */
type Category = Json<CategoryView>;

/**
 * What a category gets for a limit it leaves empty, as the ticket clocks decide it, limit by limit:
 * the nearest category up the tree that sets that limit, then the complex-category limits, then the
 * hotline's defaults.
 */
function inheritedNote(category: Category, byId: ReadonlyMap<string, Category>, defaults: SettingsView['limits']) {
  const chain = [...category.ancestors].reverse().map((id) => byId.get(id)).filter((c): c is Category => c !== undefined);
  const complex = category.complex || chain.some((c) => c.complex);
  return (path: readonly string[]): string => {
    const ancestor = chain.find((c) => slotOf(c.limits, path));
    const fromAncestor = ancestor && slotOf(ancestor.limits, path);
    if (ancestor && fromAncestor) return m.t('inherited', { value: limitText(fromAncestor), from: m.t('fromAncestor', { name: ancestor.name }) });
    const fromComplex = complex ? slotOf(COMPLEX_CATEGORY_LIMITS, path) : undefined;
    if (fromComplex) return m.t('inherited', { value: limitText(fromComplex), from: m.t('fromComplex') });
    const fallback = slotOf(defaults, path);
    return fallback ? m.t('inherited', { value: limitText(fallback), from: m.t('fromDefault') }) : '–';
  };
}

/** `open`: the categories whose folds start open (those above the one being edited). */
function tree(categories: readonly Category[], parentId: string | null, onEdit: (c: Category) => void, open: ReadonlySet<string>): HTMLUListElement | null {
  const children = categories.filter((c) => c.parentId === parentId);
  if (children.length === 0) return null;
  return h('ul', { class: 'tree' }, ...children.map((c) => {
    const below = tree(categories, c.id, onEdit, open);
    const label = h('button', { type: 'button', class: 'link', 'aria-label': m.t('editNamed', { name: c.path }), onclick: () => onEdit(c) }, c.name);
    const facts = h('span', { class: 'muted' }, ` ${c.code}`, c.complex ? h('span', { class: 'badge' }, m.t('complexBadge')) : null, c.limits ? h('span', { class: 'badge' }, m.t('ownLimitsBadge')) : null);
    if (!below) return h('li', { 'data-code': c.code, class: 'leaf' }, label, facts);
    // Deeper levels fold away (the shipped taxonomy has 650 nodes) behind a button of their own, so
    // choosing a category to edit never folds or unfolds it.
    below.hidden = !open.has(c.id);
    const toggle = h('button', { type: 'button', class: 'toggle', 'aria-expanded': String(!below.hidden), 'aria-label': m.t('toggle', { name: c.name }), onclick: () => {
      below.hidden = !below.hidden;
      toggle.setAttribute('aria-expanded', String(!below.hidden));
    } }, '▸');
    return h('li', { 'data-code': c.code }, toggle, label, facts, below);
  }));
}

/** The tree beside an editor; `editId` opens that category's editor. */
export async function drawCategories(root: HTMLElement, editId?: string): Promise<void> {
  const [{ items: categories }, { items: departments }, settings] = await Promise.all([
    api<{ items: Category[] }>('GET', '/api/categories'),
    api<{ items: Department[] }>('GET', '/api/departments'),
    api<SettingsView>('GET', '/api/settings'),
  ]);
  const byId = new Map(categories.map((c) => [c.id, c]));
  const editor = h('div', { id: 'category-editor' });
  const parents = categories.filter((c) => c.level < 3).map((c): [string, string] => [c.id, c.path]);

  // After a save the tree and the editor show the stored category (new version, inherited notes).
  const reloadAndEdit = (id: string) => drawCategories(root, id);

  function createForm(): HTMLFormElement {
    const form = h('form', { class: 'card', id: 'new-category' },
      h('h3', {}, m.t('newCategory')),
      field(m.t('name'), h('input', { name: 'name', required: true })),
      field(m.t('nameEn'), h('input', { name: 'nameEn' })),
      field(m.t('parentCategory'), select('parentId', [['', m.t('topLevel')], ...parents])),
      field(m.t('defaultDepartment'), select('defaultDepartmentId', departmentOptions(departments))),
      h('label', {}, h('input', { type: 'checkbox', name: 'complex' }), ` ${m.t('complex')}`),
      h('button', { type: 'submit', class: 'primary' }, m.t('create')),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const text = (name: string) => $<HTMLInputElement>(`[name=${name}]`, form).value;
      void save(form, () => api<Category>('POST', '/api/categories', {
        name: text('name').trim(),
        nameEn: blankToNull(text('nameEn')),
        parentId: blankToNull(text('parentId')),
        defaultDepartmentId: blankToNull(text('defaultDepartmentId')),
        complex: $<HTMLInputElement>('[name=complex]', form).checked,
      }), 'created').then((created) => created && reloadAndEdit(created.id));
    });
    return form;
  }

  function openEditor(category: Category): void {
    const limits = limitsTable('limits', category.limits, { required: false, note: inheritedNote(category, byId, settings.limits) });
    const form = h('form', { class: 'card', id: 'edit-category' },
      h('h3', {}, m.t('editCategory', { name: category.path })),
      field(m.t('name'), h('input', { name: 'name', value: category.name, required: true })),
      field(m.t('nameEn'), h('input', { name: 'nameEn', value: category.nameEn ?? '' })),
      field(m.t('defaultDepartment'), select('defaultDepartmentId', departmentOptions(departments), category.defaultDepartmentId)),
      h('label', {}, h('input', { type: 'checkbox', name: 'complex', checked: category.complex }), ` ${m.t('complex')}`),
      h('label', {}, h('input', { type: 'checkbox', name: 'active', checked: category.active }), ` ${m.t('active')}`),
      h('fieldset', { 'data-field': 'limits' }, h('legend', {}, m.t('ownLimits')), h('p', { class: 'muted' }, m.t('ownLimitsHint')), limits),
      h('div', { class: 'row' },
        h('button', { type: 'submit', class: 'primary' }, m.t('save')),
        h('button', { type: 'button', onclick: () => editor.replaceChildren(createForm()) }, m.t('cancel')),
      ),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const text = (name: string) => $<HTMLInputElement>(`[name=${name}]`, form).value;
      const own = readLimits(limits);
      void save(form, () => api<Category>('PATCH', `/api/categories/${category.id}`, {
        version: category.version,
        name: text('name').trim(),
        nameEn: blankToNull(text('nameEn')),
        defaultDepartmentId: blankToNull(text('defaultDepartmentId')),
        complex: $<HTMLInputElement>('[name=complex]', form).checked,
        active: $<HTMLInputElement>('[name=active]', form).checked,
        limits: Object.keys(own).length ? own : null,
      }), 'saved').then((saved) => saved && reloadAndEdit(saved.id));
    });
    editor.replaceChildren(form);
    $<HTMLInputElement>('[name=name]', form).focus();
  }

  const editing = editId ? byId.get(editId) : undefined;
  root.replaceChildren(heading('categories'), h('div', { class: 'split' },
    h('section', { class: 'card tree-panel', 'aria-labelledby': 'category-tree' },
      h('h3', { id: 'category-tree' }, m.t('categoryTree')),
      tree(categories, null, openEditor, new Set(editing?.ancestors)) ?? h('p', { class: 'empty' }, m.t('noCategories'))),
    editor,
  ));
  if (editing) openEditor(editing);
  else editor.replaceChildren(createForm());
}
