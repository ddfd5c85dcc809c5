import type { Counters } from './department-counters.js';

export interface Weights {
  response: number;
  resolution: number;
  satisfaction: number;
}

/** The spec's default composite: 0.2 response, 0.4 resolution, 0.4 satisfaction. */
export const defaultWeights: Weights = { response: 0.2, resolution: 0.4, satisfaction: 0.4 };

const ratio = (part: number, whole: number): number | null => (whole > 0 ? part / whole : null);

/** The rates of one department over a period, from its summed daily counters. Null: nothing to measure. */
export function ratesOf(c: Counters, weights: Weights = defaultWeights) {
  const response = ratio(c.acceptedOnTime, c.dispatched);
  const resolution = ratio(c.resolved, c.resolutionAnswered);
  const satisfaction = ratio(c.satisfied + c.basicallySatisfied, c.satisfactionAnswered);
  // A rate nobody could earn (no callbacks yet) counts neither for nor against the department.
  const parts = [[response, weights.response], [resolution, weights.resolution], [satisfaction, weights.satisfaction]] as const;
  const weighed = parts.filter(([rate]) => rate !== null);
  const weightSum = weighed.reduce((s, [, w]) => s + w, 0);
  const composite = weightSum > 0 ? weighed.reduce((s, [rate, w]) => s + rate! * w, 0) / weightSum : null;
  return {
    response,
    resolution,
    satisfaction,
    onTimeReply: ratio(c.repliedOnTime, c.replied),
    closure: ratio(c.archived, c.dispatched),
    composite,
  };
}
export type Rates = ReturnType<typeof ratesOf>;

export interface RankedDepartment {
  departmentId: string;
  rank: number;
  rates: Rates;
  counters: Counters;
}

/** Orders departments by composite score; those with nothing to score come last, unranked. */
export function rankDepartments(totals: Map<string, Counters>, weights: Weights = defaultWeights) {
  const rows = [...totals.entries()].map(([departmentId, counters]) => ({ departmentId, counters, rates: ratesOf(counters, weights) }));
  const scored = rows.filter((r) => r.rates.composite !== null).sort((a, b) => b.rates.composite! - a.rates.composite! || a.departmentId.localeCompare(b.departmentId));
  const ranked: RankedDepartment[] = scored.map((r, i) => ({ ...r, rank: i + 1 }));
  const unscored = rows.filter((r) => r.rates.composite === null).map((r) => ({ ...r, rank: 0 }));
  return {
    rows: [...ranked, ...unscored],
    top: ranked.slice(0, 3),
    bottom: ranked.length > 3 ? ranked.slice(-3).reverse() : [],
  };
}
