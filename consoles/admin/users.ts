import { roleLabels, roles, type Role } from '../../core/accounts/roles.js';
import type { UserView } from '../../core/accounts/users.js';
import { api, type Json } from '../shared/api.js';
import { $, h } from '../shared/dom.js';
import { lang } from '../shared/i18n.js';
import { m } from './messages.js';
import { blankToNull, departmentOptions, field, heading, save, select, type Department } from './ui.js';

/** What GET /api/users answers. */
type User = Json<UserView>;

const roleLabel = (role: Role) => roleLabels[role][lang() === 'en' ? 'en' : 'zh'];

/** Roles as a group of checkboxes: several may be held at once. */
function rolePicker(chosen: readonly Role[]): HTMLFieldSetElement {
  return h('fieldset', { class: 'choices', 'data-field': 'roles' },
    h('legend', {}, m.t('roles')),
    ...roles.map((role) => h('label', {}, h('input', { type: 'checkbox', name: 'roles', value: role, checked: chosen.includes(role) }), ` ${roleLabel(role)}`)),
  );
}

const chosenRoles = (form: HTMLFormElement) => [...form.querySelectorAll<HTMLInputElement>('input[name=roles]:checked')].map((box) => box.value as Role);
const value = (form: HTMLFormElement, name: string) => $<HTMLInputElement>(`[name=${name}]`, form).value;

export async function drawUsers(root: HTMLElement): Promise<void> {
  const [{ items: users }, { items: departments }] = await Promise.all([
    api<{ items: User[] }>('GET', '/api/users'),
    api<{ items: Department[] }>('GET', '/api/departments'),
  ]);
  const departmentName = (id: string | null) => departments.find((d) => d.id === id)?.name ?? '–';
  const editor = h('div', { id: 'user-editor' });
  const redraw = () => drawUsers(root);

  const create = h('form', { id: 'new-user', class: 'card' },
    h('h3', {}, m.t('newUser')),
    h('div', { class: 'grid' },
      h('div', {},
        field(m.t('username'), h('input', { name: 'username', required: true, autocomplete: 'off' })),
        field(m.t('displayName'), h('input', { name: 'displayName', required: true })),
        field(m.t('password'), h('input', { name: 'password', type: 'password', required: true, autocomplete: 'new-password' })),
        field(m.t('email'), h('input', { name: 'email', type: 'email' })),
        field(m.t('phone'), h('input', { name: 'phone', type: 'tel' })),
      ),
      h('div', {},
        rolePicker([]),
        field(m.t('department'), select('departmentId', departmentOptions(departments)), m.t('departmentHint')),
      ),
    ),
    h('button', { type: 'submit', class: 'primary' }, m.t('create')),
  );
  create.addEventListener('submit', (event) => {
    event.preventDefault();
    void save(create, () => api<User>('POST', '/api/users', {
      username: value(create, 'username'),
      displayName: value(create, 'displayName'),
      password: value(create, 'password'),
      roles: chosenRoles(create),
      departmentId: blankToNull(value(create, 'departmentId')),
      email: blankToNull(value(create, 'email')),
      phone: blankToNull(value(create, 'phone')),
    }), 'created').then((created) => created && redraw());
  });

  const table = h('table', { id: 'users' },
    h('thead', {}, h('tr', {}, ...(['username', 'displayName', 'roles', 'department', 'status', 'actions'] as const).map((k) => h('th', { scope: 'col' }, m.t(k))))),
    h('tbody', {}, ...users.map((user) => h('tr', { 'data-username': user.username },
      h('td', {}, user.username),
      h('td', {}, user.displayName),
      h('td', {}, user.roles.map(roleLabel).join('、')),
      h('td', {}, departmentName(user.departmentId)),
      h('td', {}, h('span', { class: user.active ? 'badge good' : 'badge' }, m.t(user.active ? 'enabled' : 'disabled'))),
      h('td', {}, h('button', { type: 'button', 'aria-label': m.t('editNamed', { name: user.username }), onclick: () => openEditor(user) }, m.t('edit'))),
    ))),
  );

  function openEditor(user: User): void {
    const form = h('form', { class: 'card', id: 'edit-user' },
      h('h3', {}, m.t('editUser', { name: user.username })),
      field(m.t('displayName'), h('input', { name: 'displayName', value: user.displayName, required: true })),
      rolePicker(user.roles),
      field(m.t('department'), select('departmentId', departmentOptions(departments), user.departmentId), m.t('departmentHint')),
      field(m.t('email'), h('input', { name: 'email', type: 'email', value: user.email ?? '' })),
      field(m.t('phone'), h('input', { name: 'phone', type: 'tel', value: user.phone ?? '' })),
      h('label', {}, h('input', { type: 'checkbox', name: 'active', checked: user.active }), ` ${m.t('active')}`),
      field(m.t('newPassword'), h('input', { name: 'password', type: 'password', autocomplete: 'new-password' })),
      h('div', { class: 'row' },
        h('button', { type: 'submit', class: 'primary' }, m.t('save')),
        h('button', { type: 'button', onclick: () => editor.replaceChildren() }, m.t('cancel')),
      ),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const password = value(form, 'password');
      void save(form, () => api<User>('PATCH', `/api/users/${user.id}`, {
        version: user.version,
        displayName: value(form, 'displayName'),
        roles: chosenRoles(form),
        departmentId: blankToNull(value(form, 'departmentId')),
        email: blankToNull(value(form, 'email')),
        phone: blankToNull(value(form, 'phone')),
        active: $<HTMLInputElement>('[name=active]', form).checked,
        ...(password ? { password } : {}),
      }), 'saved').then((saved) => saved && redraw());
    });
    editor.replaceChildren(form);
    $<HTMLInputElement>('[name=displayName]', form).focus();
  }

  root.replaceChildren(heading('users'), create, editor, table);
}
