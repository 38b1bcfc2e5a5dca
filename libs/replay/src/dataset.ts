import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ConversationMode, ProspectRef, TurnRole } from '@lib/contracts';

/** What a recorded turn is expected to show (optional; reported, never a failure). */
export const ExpectedFacts = z.strictObject({
  /** Intent names the analysis should find in this turn (e.g. `pricing_inquiry`). */
  intents: z.array(z.string().min(1)).optional(),
  /** The deal stage the analysis should give after this turn. */
  stage: z.string().min(1).optional(),
});
export type ExpectedFacts = z.infer<typeof ExpectedFacts>;

export const RecordedTurn = z.strictObject({
  role: TurnRole,
  text: z.string().trim().min(1).max(8000),
  expected: ExpectedFacts.optional(),
});
export type RecordedTurn = z.infer<typeof RecordedTurn>;

/** One line of a replay dataset (JSONL): a recorded conversation. */
export const RecordedConversation = z
  .strictObject({
    id: z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'letters, digits, _ . : - (1-128 characters)'),
    conversation: z.strictObject({ mode: ConversationMode, prospect: ProspectRef }),
    turns: z.array(RecordedTurn).min(1),
    /** Where the conversation comes from (dataset provenance). */
    source: z.string().optional(),
  })
  .refine((c) => c.turns.some((t) => t.role === 'prospect'), {
    message: 'needs at least one prospect turn',
    path: ['turns'],
  });
export type RecordedConversation = z.infer<typeof RecordedConversation>;

/** A dataset that cannot be used: the message names the line and the field. */
export class DatasetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatasetError';
  }
}

/** Parses a JSONL dataset; blank lines are skipped; ids must be unique. Throws `DatasetError`. */
export function parseDataset(text: string, name = 'dataset'): RecordedConversation[] {
  const conversations: RecordedConversation[] = [];
  const ids = new Set<string>();
  const lines = text.split(/\r?\n/);
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    const where = `${name}:${index + 1}`;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (error) {
      throw new DatasetError(
        `${where}: not JSON (${error instanceof Error ? error.message : String(error)})`,
      );
    }
    const parsed = RecordedConversation.safeParse(json);
    if (!parsed.success) {
      const issues = parsed.error.issues
        .map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`)
        .join('; ');
      throw new DatasetError(`${where}: ${issues}`);
    }
    if (ids.has(parsed.data.id)) throw new DatasetError(`${where}: duplicate id "${parsed.data.id}"`);
    ids.add(parsed.data.id);
    conversations.push(parsed.data);
  }
  if (conversations.length === 0) throw new DatasetError(`${name}: no conversation`);
  return conversations;
}

export async function loadDataset(path: string): Promise<RecordedConversation[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new DatasetError(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return parseDataset(text, path);
}
