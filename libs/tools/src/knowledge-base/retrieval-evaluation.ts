import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { KnowledgePassage } from './knowledge-retriever';

/** A question whose answering document is known: one line of `data/kb-eval/questions.jsonl`. */
export const LabelledQuestion = z.strictObject({
  question: z.string().min(1),
  /** Document id of the page that answers it (e.g. `posthog/refunds.md`). */
  expectedDocument: z.string().min(1),
});
export type LabelledQuestion = z.infer<typeof LabelledQuestion>;

export interface QuestionResult extends LabelledQuestion {
  /** 1-based rank of the first passage of the expected document; null when not in the top k. */
  readonly rank: number | null;
  readonly retrievedDocuments: readonly string[];
}

export interface RecallReport {
  readonly k: number;
  readonly recall: number;
  readonly hits: number;
  readonly total: number;
  /** Mean reciprocal rank of the expected document within the top k (0 when missing). */
  readonly mrr: number;
  readonly questions: readonly QuestionResult[];
}

export async function loadLabelledQuestions(file: string): Promise<LabelledQuestion[]> {
  const lines = (await readFile(file, 'utf8')).split('\n');
  const questions: LabelledQuestion[] = [];
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    const parsed = LabelledQuestion.safeParse(JSON.parse(line));
    if (!parsed.success) throw new Error(`${file}:${i + 1}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    questions.push(parsed.data);
  });
  return questions;
}

/** The document id of a passage, from its citation id `kb:<documentId>#<chunkIndex>`. */
export function passageDocumentId(passage: Pick<KnowledgePassage, 'sourceId'>): string {
  return passage.sourceId.replace(/^kb:/, '').replace(/#\d+$/, '');
}

/** recall@k: the share of questions whose expected document is among the documents of the top k passages. */
export async function evaluateRecall(
  search: (question: string, limit: number) => Promise<readonly KnowledgePassage[]>,
  questions: readonly LabelledQuestion[],
  k = 5,
): Promise<RecallReport> {
  const results: QuestionResult[] = [];
  for (const labelled of questions) {
    const documents = (await search(labelled.question, k)).map(passageDocumentId);
    const index = documents.indexOf(labelled.expectedDocument);
    results.push({ ...labelled, rank: index >= 0 ? index + 1 : null, retrievedDocuments: documents });
  }
  const hits = results.filter((r) => r.rank !== null).length;
  const mrr = results.reduce((sum, r) => sum + (r.rank ? 1 / r.rank : 0), 0) / (results.length || 1);
  return { k, recall: hits / (results.length || 1), hits, total: results.length, mrr, questions: results };
}
