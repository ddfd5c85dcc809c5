/** The hotline API, same origin, cookie session plus the CSRF header on writes. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

let csrfToken: string | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export async function api<T>(method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const res = await fetch(url, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  const json: unknown = text ? JSON.parse(text) : undefined;
  if (!res.ok) {
    const error = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new ApiError(res.status, error?.code ?? String(res.status), error?.message ?? res.statusText);
  }
  return json as T;
}

export interface SessionView {
  user: { id: string; username: string; roles: string[] };
  csrfToken: string | null;
}

export interface SipCredentials {
  username: string;
  password: string;
  expiresAt: string;
  sipUri: string;
  wsUrl: string;
  domain: string;
  hotlineNumber: string;
}

export interface AgentStateView {
  state: string;
  callId: string | null;
}

export interface TicketSummary {
  id: string;
  number: string;
  state: string;
  subject: string;
  requestType: string;
  categoryPath: string | null;
  createdAt: string;
}

export interface DepartmentSummary {
  id: string;
  name: string;
  nameEn: string | null;
  contacts: { phone: string | null };
}

export interface MissedCall {
  id: string;
  caller: string;
  lastMissedAt: string;
  state: string;
}

export interface CallReport {
  direction?: 'inbound' | 'outbound' | 'internal';
  caller?: string;
  callee?: string;
  ringingAt?: string;
  answeredAt?: string;
  endedAt?: string;
  endedBy?: 'local' | 'remote' | 'failed';
  sipStatus?: number;
  error?: string;
  holdSeconds?: number;
  muted?: boolean;
  transferredTo?: string;
  transferredToDepartmentId?: string;
  audio?: { codec?: string; packetsSent?: number; packetsReceived?: number; packetsLost?: number; jitterMs?: number; roundTripMs?: number };
  userAgent?: string;
}
