/**
 * Each console: its folder (index.html + main.ts) and where the page is served. The portal is the
 * citizens' and has no sign-in; the others are the staff's.
 */
export const consoles = {
  portal: '/portal/',
  workspace: '/console/workspace/',
  supervisor: '/console/supervisor/',
  admin: '/console/admin/',
} as const;
export type ConsoleName = keyof typeof consoles;
