import type { z } from 'zod';
import type { sessionView } from '../../api/accounts/accounts.router.js';
/** The hotline API, same origin: the session cookie, plus the CSRF header on writes. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The API's `details`: which field was wrong, for validation errors. */
    readonly details: unknown = undefined,
  ) {
    super(message);
  }
}

let csrfToken: string | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export async function api<T>(method: Method, url: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  return answer<T>(await fetch(url, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) }));
}

/** A file's bytes as the body, as they are: the API tells the type from the content. */
export async function upload<T>(url: string, file: Blob): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', 'content-type': 'application/octet-stream' };
  if (csrfToken) headers['x-csrf-token'] = csrfToken;
  return answer<T>(await fetch(url, { method: 'POST', headers, credentials: 'same-origin', body: file }));
}

async function answer<T>(res: Response): Promise<T> {
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    throw new ApiError(res.status, String(res.status), res.statusText);
  }
  if (!res.ok) {
    const error = (json as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
    throw new ApiError(res.status, error?.code ?? String(res.status), error?.message ?? res.statusText, error?.details);
  }
  return json as T;
}

/** `?a=1&b=x` from the defined values only. */
export function query(params: Record<string, string | number | boolean | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

/**
 * A server type as JSON carries it: dates (and ids) become the strings their toJSON gives. The
 * consoles type the API's answers as Json<…> of the server's own types (the presenters' return
 * types in core/, or the zod schema a router answers with), imported with `import type` (esbuild
 * erases them): a server change that breaks a console fails the type check instead of the page.
 */
export type Json<T> = T extends { toJSON(): infer R } ? R : T extends readonly (infer U)[] ? Json<U>[] : T extends object ? { [K in keyof T]: Json<T[K]> } : T;

/** What GET /api/auth/session and POST /api/auth/login answer. */
export type SessionView = Json<z.output<typeof sessionView>>;
