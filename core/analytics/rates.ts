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

/** How departments are ranked (an administrator's setting): the composite's weights, how many are praised and named, who is ranked at all. */
export interface RankingPolicy {
  weights: Weights;
  /** Praised at the top (表扬) and named at the bottom (通报): three by default. */
  named: number;
  /** Fewer tickets dispatched in the period than this: too few to rank fairly, so unranked. */
  minimumDispatched: number;
}

export const defaultRankingPolicy: RankingPolicy = { weights: defaultWeights, named: 3, minimumDispatched: 0 };

export interface RankedDepartment {
  departmentId: string;
  /** 0: unranked (nothing to score, or too few tickets). */
  rank: number;
  rates: Rates;
  counters: Counters;
}

/**
 * Orders departments by composite score; those with nothing to score or too few tickets come last,
 * unranked. The best `named` are praised and the worst `named` named, but with fewer than twice that
 * many ranked each side gets half (rounded down), so nobody is flagged both ways.
 */
export function rankDepartments(totals: Map<string, Counters>, policy: RankingPolicy = defaultRankingPolicy) {
  const rows = [...totals.entries()].map(([departmentId, counters]) => ({ departmentId, counters, rates: ratesOf(counters, policy.weights) }));
  const rankable = (r: (typeof rows)[number]) => r.rates.composite !== null && r.counters.dispatched >= policy.minimumDispatched;
  const scored = rows.filter(rankable).sort((a, b) => b.rates.composite! - a.rates.composite! || a.departmentId.localeCompare(b.departmentId));
  const ranked: RankedDepartment[] = scored.map((r, i) => ({ ...r, rank: i + 1 }));
  const unranked = rows.filter((r) => !rankable(r)).map((r) => ({ ...r, rank: 0 }));
  const flagged = Math.min(policy.named, Math.floor(ranked.length / 2));
  return {
    rows: [...ranked, ...unranked],
    top: ranked.slice(0, flagged),
    bottom: flagged > 0 ? ranked.slice(-flagged).reverse() : [],
  };
}
