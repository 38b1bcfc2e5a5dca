import { markdownSections, sectionTitle } from '../knowledge-base/markdown';

/** A curated question and its answer, found in an FAQ-style page. */
export interface FaqEntry {
  readonly question: string;
  readonly answer: string;
  /** Heading path of the question's section (`How to respond… › Can you increase my rate limits?`). */
  readonly section: string;
}

/** Answers longer than this are cut at a paragraph end (an exact answer is short; the passage has the rest). */
export const MAX_FAQ_ANSWER_CHARS = 1500;

const isQuestion = (heading: string | undefined): heading is string =>
  !!heading && heading.trim().endsWith('?') && heading.trim().length >= 8;

/**
 * FAQ pairs of an FAQ-style page: a page where at least two headings, and at least half of the headed
 * sections with text, are questions (`common-questions.md`: `### Can I have a trial?`). Each such section
 * gives its question and its text as the answer. A policy page with one rhetorical question heading
 * ("Refund or Credit?") is not an FAQ: its sections stay ordinary passages.
 */
export function extractFaqEntries(body: string): FaqEntry[] {
  const headed = markdownSections(body).filter((s) => s.path.length > 0);
  const questions = headed.filter((s) => isQuestion(s.path[s.path.length - 1]));
  if (questions.length < 2 || questions.length * 2 < headed.length) return [];
  const entries: FaqEntry[] = [];
  for (const section of questions) {
    const question = section.path[section.path.length - 1].trim();
    let answer = '';
    for (const paragraph of section.paragraphs) {
      const next = answer ? `${answer}\n\n${paragraph}` : paragraph;
      if (next.length > MAX_FAQ_ANSWER_CHARS) {
        if (!answer) answer = `${paragraph.slice(0, MAX_FAQ_ANSWER_CHARS - 1)}…`;
        break;
      }
      answer = next;
    }
    entries.push({ question, answer, section: sectionTitle(section.path) });
  }
  return entries;
}
