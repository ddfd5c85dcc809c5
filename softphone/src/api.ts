import type { z } from 'zod';
import type { agentStateView, browserReport, missedCallView, sipCredentials } from '../../api/calls/calls.schemas.js';
import type { Json } from '../../consoles/shared/api.js';
import type { DepartmentView } from '../../core/departments/department.js';
import type { TicketSummary as ServerTicketSummary } from '../../core/tickets/ticket-view.js';

/**
 * The hotline API as every page calls it (consoles/shared/api.ts), and what the softphone reads
 * from it and sends, typed from the server's schemas and presenters (see `Json` there).
 */
export { api, ApiError, setCsrfToken, type SessionView } from '../../consoles/shared/api.js';

export type SipCredentials = Json<z.output<typeof sipCredentials>>;
export type AgentStateView = Json<z.output<typeof agentStateView>>;
export type MissedCall = Json<z.output<typeof missedCallView>>;
export type TicketSummary = Json<ServerTicketSummary>;
export type DepartmentSummary = Json<DepartmentView>;
/** POST /api/calls/:callId/report. */
export type CallReport = z.input<typeof browserReport>;

