import { z } from 'zod';
import { agentStates, chosenAgentStates } from '../../core/calls/agent-state.js';
import { callDirections, callOutcomes, callSides } from '../../core/calls/call-record.js';
import { missedCallOutcomes, missedCallStates } from '../../core/calls/missed-call.js';
import { instant, objectId, queryBoolean } from '../http/common-schemas.js';

export const callId = z.string().min(1).max(200).meta({ description: 'The SIP Call-ID' });
/** A SIP URI's user part: a phone number, an `op-…` staff user, the hotline number; empty when withheld. */
const sipUser = z.string().max(128);
/**
 * Who called, as Kamailio saw it: any form of a number, `anonymous`, or whatever a trunk sent.
 * Longer than any SIP user we name, and still taken: an odd caller id must not cost the citizen the call.
 */
const callerId = z.string().max(2048).meta({ description: 'The caller: P-Asserted-Identity from a trunk, else the From user; stored in canonical form' });
const callerWithheld = { description: 'The trunk sent Privacy: id; the number is still the caller\'s for history and callbacks' };

export const callIdParams = z.strictObject({ callId });

// Kamailio → API (kamailio.cfg, "Contract with the API").

export const telephonyTokenHeaders = z.object({
  'x-telephony-token': z.string().optional().meta({ description: "Required: the token shared with Kamailio (TELEPHONY_TOKEN). Missing or wrong: 401" }),
});

export const routeQuery = z.strictObject({ callId, caller: callerId.default(''), callerWithheld: queryBoolean.optional().meta(callerWithheld) });

export const routeAnswer = z
  .object({
    targets: z.array(z.string()).meta({ description: 'SIP URIs to ring in parallel: the operator ready longest, or none when nobody is ready' }),
    ringSeconds: z.number().int(),
  })
  .meta({ id: 'RouteAnswer' });

export const switchEvent = z.strictObject({
  event: z.enum(['answered', 'ended', 'missed']),
  callId,
  caller: callerId,
  callee: callerId,
  callerWithheld: z.boolean().optional().meta(callerWithheld),
  direction: z.enum(callDirections),
  operator: z.string().min(1).max(128).optional().meta({ description: 'SIP user of the staff member on the call' }),
  reason: z.string().min(1).max(64).optional().meta({ description: 'Why missed (no-operator-ready, no-answer, …) or how ended (bye, connection-lost, timeout)' }),
  endedBy: z.enum(callSides).optional().meta({ description: 'On "ended": the side that sent BYE or lost its connection' }),
  at: instant.meta({ description: 'UTC, to the second' }),
});

// Staff.

export const sipCredentials = z
  .object({
    username: z.string().meta({ description: 'Digest username: "<expiry unix seconds>:<SIP user>"' }),
    password: z.string(),
    expiresAt: z.date(),
    sipUri: z.string().meta({ description: 'The address to register, sip:op-…@<domain>' }),
    wsUrl: z.string().meta({ description: 'SIP over WebSocket: where the softphone connects' }),
    domain: z.string(),
    hotlineNumber: z.string(),
  })
  .meta({ id: 'SipCredentials' });

export const agentStateBody = z.strictObject({
  state: z.enum(chosenAgentStates).meta({ description: 'ready 示闲, not_ready 示忙, after_call_work 话后处理' }),
});

export const agentStateView = z
  .object({
    userId: z.string(),
    username: z.string(),
    sipUser: z.string(),
    state: z.enum(agentStates),
    readySince: z.date().nullable(),
    stateSince: z.date(),
    callId: z.string().nullable(),
    credentialsExpireAt: z.date().nullable(),
    version: z.number(),
  })
  .meta({ id: 'AgentState' });

export const missedCallParams = z.strictObject({ id: z.string().min(1).max(40).meta({ description: "'<number>-<round>', from the queue" }) });

export const missedCallsQuery = z.strictObject({
  state: z.enum(missedCallStates).default('open'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const missedCallView = z
  .object({
    id: z.string(),
    caller: z.string(),
    callIds: z.array(z.string()),
    firstMissedAt: z.date(),
    lastMissedAt: z.date(),
    state: z.enum(missedCallStates),
    claimedBy: z.object({ userId: z.string(), username: z.string() }).nullable(),
    claimedAt: z.date().nullable(),
    outcome: z.enum(missedCallOutcomes).nullable(),
    note: z.string().nullable(),
    callbackCallId: z.string().nullable(),
    doneAt: z.date().nullable(),
    version: z.number(),
  })
  .meta({ id: 'MissedCall' });

export const missedCallDone = z.strictObject({
  outcome: z.enum(missedCallOutcomes).meta({ description: 'reached 已回拨, unreachable 无法接通, not_needed 无需回拨' }),
  note: z.string().trim().min(1).max(2000).nullable().optional(),
  callbackCallId: callId.nullable().optional(),
});

export const figuresQuery = z.strictObject({
  from: instant,
  to: instant,
  operatorId: objectId.optional().meta({ description: "Supervisors: one operator's figures; operators always get their own" }),
});

export const operatorFigures = z
  .object({
    from: z.date(),
    to: z.date(),
    items: z.array(
      z.object({
        operatorId: z.string(),
        username: z.string().nullable(),
        answered: z.number().int(),
        averageAnswerSeconds: z.number(),
        averageHandleSeconds: z.number().meta({ description: 'Talk time plus after-call work' }),
        resolvedOnCallRate: z.number().meta({ description: 'Answered calls with a ticket resolved on the call (直办) ÷ answered calls' }),
      }),
    ),
  })
  .meta({ id: 'OperatorFigures' });

const seconds = z.number().min(0).max(86_400);
const count = z.number().int().min(0);

/** What the softphone saw; each report is merged over the earlier ones. */
export const browserReport = z.strictObject({
  direction: z.enum(callDirections).optional().meta({ description: 'Only used when the server has no record of the call' }),
  caller: callerId.optional(),
  callee: callerId.optional(),
  ringingAt: instant.optional(),
  answeredAt: instant.optional(),
  endedAt: instant.optional(),
  endedBy: z.enum(['local', 'remote', 'failed']).optional(),
  sipStatus: z.number().int().min(100).max(699).optional(),
  error: z.string().max(500).optional(),
  holdSeconds: seconds.optional(),
  muted: z.boolean().optional(),
  transferredTo: sipUser.optional(),
  transferredToDepartmentId: objectId.optional().meta({ description: 'When the call was transferred to a department’s number: that department' }),
  audio: z
    .strictObject({
      codec: z.string().max(40).optional(),
      packetsSent: count.optional(),
      packetsReceived: count.optional(),
      packetsLost: count.optional(),
      jitterMs: seconds.optional(),
      roundTripMs: seconds.optional(),
    })
    .optional(),
  userAgent: z.string().max(300).optional(),
});

export const linkTicketBody = z.strictObject({ ticketId: objectId });

export const callView = z
  .object({
    callId: z.string(),
    direction: z.enum(callDirections),
    caller: z.string(),
    callee: z.string(),
    callerWithheld: z.boolean().meta(callerWithheld),
    operatorId: z.string().nullable(),
    operatorUsername: z.string().nullable(),
    arrivedAt: z.date(),
    offeredAt: z.date().nullable(),
    answeredAt: z.date().nullable(),
    endedAt: z.date().nullable(),
    outcome: z.enum(callOutcomes).nullable(),
    reason: z.string().nullable(),
    endedBy: z.enum(callSides).nullable().meta({ description: 'The side that hung up or whose connection was lost; null for a timeout or a call not ended' }),
    queueSeconds: z.number().nullable(),
    ringSeconds: z.number().nullable(),
    talkSeconds: z.number().nullable(),
    afterCallWorkSeconds: z.number().nullable(),
    ticketIds: z.array(z.string()),
    resolvedOnCall: z.boolean(),
    browser: z.record(z.string(), z.unknown()).nullable(),
    version: z.number(),
  })
  .catchall(z.unknown())
  .meta({ id: 'CallRecord' });
