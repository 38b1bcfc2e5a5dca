import type { CrmChangeDiff, CrmFieldValue } from '@lib/contracts';
import type { CrmFieldValues } from './crm-change.model';

/** Values compare as the CRM stores them: numbers by value (numeric columns come back as strings). */
export function sameValue(a: CrmFieldValue | undefined, b: CrmFieldValue | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a === null || b === null) return a === b;
  if (typeof a === 'number' || typeof b === 'number') {
    const x = Number(a);
    const y = Number(b);
    return !Number.isNaN(x) && !Number.isNaN(y) && x === y;
  }
  return a === b;
}

/**
 * The diff of an update: one entry per requested field whose value differs from the current one. Fields left
 * undefined are not part of the change; a field the record does not have is refused (programming error).
 */
export function buildUpdateDiff(
  current: CrmFieldValues,
  requested: Readonly<Record<string, CrmFieldValue | undefined>>,
): CrmChangeDiff {
  const diff: CrmChangeDiff = {};
  for (const [field, to] of Object.entries(requested)) {
    if (to === undefined) continue;
    if (!(field in current)) throw new Error(`unknown field ${field}`);
    const from = current[field];
    if (!sameValue(from, to)) diff[field] = { from, to };
  }
  return diff;
}

/** The diff of a new record: every given field, from null. */
export function buildCreationDiff(
  fields: Readonly<Record<string, CrmFieldValue | undefined>>,
): CrmChangeDiff {
  const diff: CrmChangeDiff = {};
  for (const [field, to] of Object.entries(fields)) {
    if (to !== undefined) diff[field] = { from: null, to };
  }
  return diff;
}

/** The fields of the diff whose current value is no longer what the proposal saw (a stale proposal). */
export function staleFields(diff: CrmChangeDiff, current: CrmFieldValues): string[] {
  return Object.entries(diff)
    .filter(([field, change]) => !sameValue(current[field], change.from))
    .map(([field]) => field);
}
