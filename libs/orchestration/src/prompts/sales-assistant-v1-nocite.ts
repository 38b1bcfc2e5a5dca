import type { ConversationMode } from '@lib/contracts';
import type { PromptTemplate } from './prompt-template';
import { SALES_ASSISTANT_V1 } from './sales-assistant.v1';

/**
 * TEST-ONLY, deliberately worse prompt: `sales-assistant-v1` with the citation rules replaced by an order
 * not to cite (and to answer in its own words). It exists so the replay gate (`npm run replay -- gate`)
 * can be shown to fail on a regression; never configure it for real traffic. Both models honour it: Claude
 * reads the wording, the offline rule engine reads `offline.citeSources: false` (it still quotes the
 * passages, but cites nothing).
 */
const NO_CITATIONS = `Citations (override): do NOT cite sources. Leave reply.citations empty and answer in your own \
words, without referring to the retrieved documents.`;

const CITATION_RULE = /- Cite every source your reply relies on in reply\.citations[^\n]*\n/;

function system(mode: ConversationMode): string {
  const base = SALES_ASSISTANT_V1.system(mode).replace(CITATION_RULE, '');
  return `${base}\n\n${NO_CITATIONS}`;
}

export const SALES_ASSISTANT_V1_NOCITE: PromptTemplate = Object.freeze({
  ...SALES_ASSISTANT_V1,
  version: 'sales-assistant-v1-nocite',
  offline: Object.freeze({ citeSources: false }),
  system,
  outcomeToolDescription:
    'Submit the final outcome of this turn: the reply (or suggestion for the rep) WITHOUT citations, ' +
    'the analysis with BANT and MEDDIC qualification, next best actions and proposed CRM updates. Call it ' +
    'exactly once, last, after any data tools.',
});
