import type { Classification } from './classifier.js';
import type { RoutingSuggestion } from '../tickets/ticket.js';

export interface RoutingFacts {
  text: string;
  /** The intake's category, with the default department found by walking up its tree. */
  category: { id: string; path: string; departmentId: string | null } | null;
  /** The street or district the requester named, when it is one we route to. */
  place: { departmentId: string; name: string } | null;
  keywords: { keyword: string; departmentId: string }[];
  /** Only when the intake has no category. */
  classification: Classification | null;
  /** First-level categories by name (as the classifier names them), with their default departments. */
  categoriesByName: Map<string, { id: string; departmentId: string | null }>;
}

/**
 * Rules first — the intake's category, the requester's street, keywords — then the classifier's
 * categories, whatever their confidence: a rule an administrator wrote outranks a guess. Returns
 * up to three suggestions for distinct departments.
 * Pure: the caller gathers the facts.
 */
export function proposeRouting(facts: RoutingFacts): RoutingSuggestion[] {
  const suggestions: RoutingSuggestion[] = [];
  if (facts.category?.departmentId) {
    suggestions.push({ departmentId: facts.category.departmentId, categoryId: facts.category.id, label: `分类：${facts.category.path}`, confidence: 1, source: 'category' });
  }
  if (facts.place) {
    suggestions.push({ departmentId: facts.place.departmentId, categoryId: facts.category?.id ?? null, label: `属地：${facts.place.name}`, confidence: 0.95, source: 'location' });
  }
  for (const rule of facts.keywords) {
    if (rule.keyword && facts.text.includes(rule.keyword)) {
      suggestions.push({ departmentId: rule.departmentId, categoryId: null, label: `关键词：${rule.keyword}`, confidence: 0.9, source: 'keyword' });
    }
  }
  if (!facts.category && facts.classification) {
    for (const guess of facts.classification.top3) {
      const category = facts.categoriesByName.get(guess.category);
      if (category?.departmentId) {
        suggestions.push({ departmentId: category.departmentId, categoryId: category.id, label: `预测分类：${guess.category}`, confidence: guess.confidence, source: 'classifier' });
      }
    }
  }
  const seen = new Set<string>();
  return suggestions.filter((s) => !seen.has(s.departmentId) && seen.add(s.departmentId)).slice(0, 3);
}
