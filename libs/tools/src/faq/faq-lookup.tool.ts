import { implementTool, type Tool } from '../registry/tool';
import type { FaqLookup } from './faq-lookup';
import { FaqLookupSpec } from './faq-lookup.schema';

/** The calling tenant's FAQ (the tenant comes from the tool context, never from the arguments). */
export function faqLookupTool(faq: FaqLookup): Tool {
  return implementTool(FaqLookupSpec, ({ question }, context) => faq.lookup(context.tenantId, question));
}
