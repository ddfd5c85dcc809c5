/** The hotline API as every page calls it (consoles/shared/api.ts), and what the softphone reads from it. */
export { api, ApiError, setCsrfToken } from '../../consoles/shared/api.js';

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
