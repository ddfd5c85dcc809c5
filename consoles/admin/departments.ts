import { api } from '../shared/api.js';
import { $, h } from '../shared/dom.js';
import { m, type MessageKey } from './messages.js';
import { blankToNull, departmentOptions, field, heading, save, select, type Department } from './ui.js';

const kinds = ['city', 'bureau', 'district', 'street', 'unit'] as const;
const kindLabel = (kind: string) => m.t(`kind_${kind}` as MessageKey);

/** Nested lists from parentId, each level ordered by code. */
function tree(departments: readonly Department[], parentId: string | null, onEdit: (d: Department) => void): HTMLUListElement | null {
  const children = departments.filter((d) => d.parentId === parentId).sort((a, b) => a.code.localeCompare(b.code));
  if (children.length === 0) return null;
  return h('ul', { class: 'tree' }, ...children.map((d) => h('li', { 'data-code': d.code },
    h('button', { type: 'button', class: 'link', 'aria-label': m.t('editNamed', { name: d.name }), onclick: () => onEdit(d) }, d.name),
    ' ', h('span', { class: 'muted' }, `${d.code} · ${kindLabel(d.kind)}`),
    d.active ? null : h('span', { class: 'badge' }, m.t('disabled')),
    tree(departments, d.id, onEdit),
  )));
}

const emailsOf = (text: string) => text.split(/[,，\s]+/).map((e) => e.trim()).filter(Boolean);

export async function drawDepartments(root: HTMLElement): Promise<void> {
  const { items: departments } = await api<{ items: Department[] }>('GET', '/api/departments');
  const editor = h('div', { id: 'department-editor' });
  const redraw = () => drawDepartments(root);

  /** One form for creating (no department given) and editing; on edit only changed fields are sent. */
  function openForm(department: Department | null): void {
    const others = departments.filter((d) => d.id !== department?.id && !d.ancestors.includes(department?.id ?? ''));
    const form = h('form', { class: 'card', id: department ? 'edit-department' : 'new-department' },
      h('h3', {}, department ? m.t('editDepartment', { name: department.name }) : m.t('newDepartment')),
      h('div', { class: 'grid' },
        h('div', {},
          field(m.t('code'), h('input', { name: 'code', value: department?.code ?? '', required: true })),
          field(m.t('name'), h('input', { name: 'name', value: department?.name ?? '', required: true })),
          field(m.t('nameEn'), h('input', { name: 'nameEn', value: department?.nameEn ?? '' })),
          field(m.t('kind'), select('kind', kinds.map((k) => [k, kindLabel(k)] as const), department?.kind ?? 'bureau')),
        ),
        h('div', {},
          field(m.t('parent'), select('parentId', departmentOptions(others), department?.parentId ?? null)),
          field(m.t('emails'), h('input', { name: 'emails', 'data-field': 'contacts.emails', value: department?.contacts.emails.join(', ') ?? '' })),
          field(m.t('contactPhone'), h('input', { name: 'phone', 'data-field': 'contacts.phone', type: 'tel', value: department?.contacts.phone ?? '' })),
          department ? h('label', {}, h('input', { type: 'checkbox', name: 'active', checked: department.active }), ` ${m.t('active')}`) : null,
        ),
      ),
      h('div', { class: 'row' },
        h('button', { type: 'submit', class: 'primary' }, m.t(department ? 'save' : 'create')),
        department ? h('button', { type: 'button', onclick: () => openForm(null) }, m.t('cancel')) : null,
      ),
    );
    const text = (name: string) => $<HTMLInputElement>(`[name=${name}]`, form).value.trim();
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const values = {
        code: text('code'),
        name: text('name'),
        nameEn: blankToNull(text('nameEn')),
        kind: text('kind'),
        parentId: blankToNull(text('parentId')),
        contacts: { emails: emailsOf(text('emails')), phone: blankToNull(text('phone')) },
      };
      if (!department) {
        void save(form, () => api<Department>('POST', '/api/departments', values), 'created').then((created) => created && redraw());
        return;
      }
      const stored: Record<string, unknown> = { ...department };
      const edited = { ...values, active: $<HTMLInputElement>('[name=active]', form).checked };
      // Only what changed: the audit trail then shows the administrator's change and nothing else.
      const changed = Object.fromEntries(Object.entries(edited).filter(([key, v]) => JSON.stringify(v) !== JSON.stringify(stored[key])));
      void save(form, () => api<Department>('PATCH', `/api/departments/${department.id}`, { version: department.version, ...changed }), 'saved')
        .then((saved) => saved && redraw());
    });
    editor.replaceChildren(form);
    if (department) $<HTMLInputElement>('[name=name]', form).focus();
  }

  openForm(null);
  root.replaceChildren(heading('departments'), h('div', { class: 'split' },
    h('section', { class: 'card tree-panel', 'aria-labelledby': 'department-tree' }, h('h3', { id: 'department-tree' }, m.t('departmentTree')), tree(departments, null, openForm) ?? h('p', { class: 'empty' }, '–')),
    editor,
  ));
}
