import { assertValidLimit, type TimeLimit } from './durations.js';

export type ClockStage = 'dispatch' | 'accept' | 'reply' | 'callback';
export type RequestType = 'inquiry' | 'help' | 'complaint' | 'report' | 'suggestion' | 'praise';
export type Urgency = 'normal' | 'urgent';

export const REQUEST_TYPES: readonly RequestType[] = ['inquiry', 'help', 'complaint', 'report', 'suggestion', 'praise'];

/** Every stage's limit; the hotline's defaults and any administrator's table have this shape. */
export interface LimitTable {
  /** From intake to dispatch. */
  dispatch: TimeLimit;
  /** From dispatch to the department's acceptance. */
  accept: Record<Urgency, TimeLimit>;
  /** From dispatch to the final reply; an urgent ticket has one limit whatever its request type. */
  reply: { urgent: TimeLimit; normal: Record<RequestType, TimeLimit> };
  /** From the centre's acceptance of the reply to the callback. */
  callback: TimeLimit;
}

/** A category's own limits, each replacing the default it names. */
export interface LimitOverrides {
  dispatch?: TimeLimit;
  accept?: Partial<Record<Urgency, TimeLimit>>;
  reply?: { urgent?: TimeLimit; normal?: Partial<Record<RequestType, TimeLimit>> };
  callback?: TimeLimit;
}

export interface WarningThresholds {
  yellow: number;
  red: number;
}

const workingDays = (amount: number): TimeLimit => ({ amount, unit: 'working_days' });

const sameForEveryRequestType = (limit: TimeLimit): Record<RequestType, TimeLimit> =>
  Object.fromEntries(REQUEST_TYPES.map((type) => [type, limit])) as Record<RequestType, TimeLimit>;

export const DEFAULT_LIMITS: LimitTable = {
  dispatch: { amount: 5, unit: 'minutes' },
  accept: { urgent: { amount: 1, unit: 'working_hours' }, normal: workingDays(1) },
  reply: {
    urgent: { amount: 24, unit: 'calendar_hours' },
    normal: {
      inquiry: workingDays(2),
      help: workingDays(5),
      complaint: workingDays(5),
      report: workingDays(5),
      // A suggestion needs a considered answer from the department, and praise has to reach the praised
      // staff through their unit: neither is simpler than a complaint, and neither leaves anyone waiting on
      // a fix, so they share the ordinary 5 days rather than the 2 days of a question with a ready answer.
      suggestion: workingDays(5),
      praise: workingDays(5),
    },
  },
  callback: workingDays(2),
};

/** What a category marked complex overrides: its normal replies get 15 working days, urgent ones keep 24 hours. */
export const COMPLEX_CATEGORY_LIMITS: LimitOverrides = { reply: { normal: sameForEveryRequestType(workingDays(15)) } };

export const DEFAULT_WARNING_THRESHOLDS: WarningThresholds = { yellow: 0.75, red: 1 };

/** The limit of one stage of a ticket: the category's override where it has one, the table's otherwise. */
export function resolveLimit(
  stage: ClockStage,
  requestType: RequestType,
  urgency: Urgency,
  categoryOverride: LimitOverrides = {},
  defaults: LimitTable = DEFAULT_LIMITS,
): TimeLimit {
  const limit = pickLimit(stage, requestType, urgency, categoryOverride, defaults);
  assertValidLimit(limit);
  return limit;
}

function pickLimit(
  stage: ClockStage,
  requestType: RequestType,
  urgency: Urgency,
  override: LimitOverrides,
  defaults: LimitTable,
): TimeLimit {
  switch (stage) {
    case 'dispatch':
      return override.dispatch ?? defaults.dispatch;
    case 'accept':
      return override.accept?.[urgency] ?? defaults.accept[urgency];
    case 'reply':
      return urgency === 'urgent'
        ? (override.reply?.urgent ?? defaults.reply.urgent)
        : (override.reply?.normal?.[requestType] ?? defaults.reply.normal[requestType]);
    case 'callback':
      return override.callback ?? defaults.callback;
  }
}
