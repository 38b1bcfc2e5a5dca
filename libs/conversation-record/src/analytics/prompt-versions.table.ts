import type { PromptVersionComparison, PromptVersionRow } from './prompt-versions.schema';

/** Text of a missing figure (nothing to average, or not recorded). */
const NONE = '-';

interface Column {
  readonly header: string;
  readonly align: 'left' | 'right';
  readonly cell: (row: PromptVersionRow) => string;
}

const fixed = (value: number | null, digits: number): string =>
  value === null ? NONE : value.toFixed(digits);
const percent = (value: number | null): string => (value === null ? NONE : `${(value * 100).toFixed(1)}%`);
const ms = (value: number | null): string => (value === null ? NONE : `${Math.round(value)} ms`);
const dollars = (value: number | null): string => (value === null ? NONE : `$${value.toFixed(6)}`);

/** The columns of `prompts compare`, in order. */
export const PROMPT_VERSION_COLUMNS: readonly Column[] = [
  { header: 'prompt version', align: 'left', cell: (r) => r.promptVersion },
  { header: 'model', align: 'left', cell: (r) => r.model },
  { header: 'replies', align: 'right', cell: (r) => String(r.replies) },
  { header: 'groundedness', align: 'right', cell: (r) => fixed(r.quality.groundedness, 3) },
  { header: 'grounded', align: 'right', cell: (r) => percent(r.quality.groundedShare) },
  { header: 'citations', align: 'right', cell: (r) => fixed(r.quality.citationValidity, 3) },
  { header: 'policy flags', align: 'right', cell: (r) => String(r.quality.policyFlags) },
  { header: 'feedback', align: 'right', cell: (r) => String(r.satisfaction.feedback) },
  { header: 'rating', align: 'right', cell: (r) => fixed(r.satisfaction.averageRating, 2) },
  { header: '👍', align: 'right', cell: (r) => percent(r.satisfaction.thumbsUpShare) },
  { header: 'p50', align: 'right', cell: (r) => ms(r.latency.p50Ms) },
  { header: 'p95', align: 'right', cell: (r) => ms(r.latency.p95Ms) },
  { header: 'tokens/turn', align: 'right', cell: (r) => fixed(r.usage.tokensPerTurn, 1) },
  { header: 'cost/turn', align: 'right', cell: (r) => dollars(r.usage.costPerTurnUsd) },
];

/** First column of the per-tenant view (rows with a `tenantId`). */
const TENANT_COLUMN: Column = { header: 'tenant', align: 'left', cell: (r) => r.tenantId ?? NONE };

/** Terminal columns a string takes: wide (emoji, CJK) code points take two. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (code >= 0x0300 && code <= 0x036f) continue; // combining marks
    if (code === 0xfe0f || code === 0x200d) continue; // emoji presentation selector, joiner
    const wide =
      (code >= 0x1100 && code <= 0x115f) ||
      (code >= 0x2e80 && code <= 0xa4cf) ||
      (code >= 0xac00 && code <= 0xd7a3) ||
      (code >= 0xf900 && code <= 0xfaff) ||
      (code >= 0xff00 && code <= 0xff60) ||
      (code >= 0x1f300 && code <= 0x1faff);
    width += wide ? 2 : 1;
  }
  return width;
}

function pad(text: string, width: number, align: 'left' | 'right'): string {
  const fill = ' '.repeat(Math.max(0, width - displayWidth(text)));
  return align === 'left' ? text + fill : fill + text;
}

/**
 * The comparison as an aligned text table (header, rule, one line per prompt version and model), two spaces
 * between columns, numbers right-aligned; `-` where there is nothing to show; a tenant column first in the
 * per-tenant view. Pure: `prompts compare` prints it.
 */
export function formatPromptVersionTable(comparison: PromptVersionComparison): string {
  const title =
    `Prompt versions, replies generated in [${comparison.from}, ${comparison.to})` +
    (comparison.model === null ? '' : `, model ${comparison.model}`);
  if (comparison.items.length === 0) return `${title}\nno replies in the range\n`;
  const columns = comparison.items.some((row) => row.tenantId !== undefined)
    ? [TENANT_COLUMN, ...PROMPT_VERSION_COLUMNS]
    : PROMPT_VERSION_COLUMNS;
  const cells = comparison.items.map((row) => columns.map((c) => c.cell(row)));
  const widths = columns.map((c, i) =>
    Math.max(displayWidth(c.header), ...cells.map((line) => displayWidth(line[i]))),
  );
  const line = (texts: readonly string[]): string =>
    texts
      .map((text, i) => pad(text, widths[i], columns[i].align))
      .join('  ')
      .trimEnd();
  return [
    title,
    line(columns.map((c) => c.header)),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...cells.map(line),
    '',
  ].join('\n');
}
