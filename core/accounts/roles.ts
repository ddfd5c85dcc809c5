export const roles = [
  'operator',
  'dispatcher',
  'department_staff',
  'department_head',
  'supervisor',
  'administrator',
] as const;
export type Role = (typeof roles)[number];

/** Roles whose work is bounded by a department: they must belong to one. */
export const departmentRoles: readonly Role[] = ['department_staff', 'department_head'];

export const roleLabels: Record<Role, { zh: string; en: string }> = {
  operator: { zh: '话务员', en: 'Operator' },
  dispatcher: { zh: '派单员', en: 'Dispatcher' },
  department_staff: { zh: '承办人员', en: 'Department staff' },
  department_head: { zh: '部门负责人', en: 'Department head' },
  supervisor: { zh: '督办人员', en: 'Supervisor' },
  administrator: { zh: '系统管理员', en: 'Administrator' },
};
