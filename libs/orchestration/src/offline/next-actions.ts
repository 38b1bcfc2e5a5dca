import type { Analysis, NextBestAction, ProposedCrmUpdate } from '@lib/contracts';
import type { CrmProfile } from '../model/tool-outcomes';

const MAX_ACTIONS = 3;

/** Rule-based next best actions for the rep: from the intents and objections of the turn. */
export function nextBestActions(analysis: Analysis): NextBestAction[] {
  const actions: NextBestAction[] = [];
  const add = (action: string, reason: string): void => {
    if (!actions.some((a) => a.action === action)) actions.push({ action, reason });
  };
  const intents = new Set(analysis.intents.map((i) => i.name));
  if (intents.has('purchase_intent'))
    add('Send a proposal and the contract', 'The prospect signals intent to buy.');
  if (intents.has('demo_request')) add('Schedule a product demo', 'The prospect asked for a demo.');
  for (const objection of analysis.objections) {
    switch (objection.type) {
      case 'price':
        add('Address the price objection with ROI and annual-plan options', objection.evidence);
        break;
      case 'competitor':
        add('Share a comparison with the competitor the prospect uses', objection.evidence);
        break;
      case 'trust':
        add('Share the security documentation', objection.evidence);
        break;
      case 'authority':
        add('Ask who else is involved in the decision', objection.evidence);
        break;
      case 'timing':
        add('Agree on a follow-up date that fits their timeline', objection.evidence);
        break;
      case 'need':
      case 'other':
        add('Ask discovery questions about their goals', objection.evidence);
        break;
    }
  }
  if (intents.has('security_compliance'))
    add('Share the security report (SOC 2)', 'The prospect asked about security.');
  if (intents.has('pricing_inquiry'))
    add('Send pricing and annual plan details', 'The prospect asked about pricing.');
  if (intents.has('integration_question'))
    add('Send the integration documentation', 'The prospect asked about integrations.');
  return actions.slice(0, MAX_ACTIONS);
}

/**
 * CRM changes to propose (never applied here: a rep approves them). The offline rules propose one: moving
 * the open deal to the stage the turn points at, when the CRM has it elsewhere.
 */
export function proposedCrmUpdates(
  analysis: Analysis,
  message: string,
  crm?: CrmProfile,
): ProposedCrmUpdate[] {
  const deal = crm?.deals.find((d) => d.stage !== undefined);
  if (!deal?.stage || deal.stage.toLowerCase() === analysis.stage) return [];
  const evidence =
    analysis.buyingSignals[0]?.evidence ?? analysis.objections[0]?.evidence ?? message.slice(0, 1000);
  return [{ entity: 'deal', field: 'stage', value: analysis.stage, evidence }];
}
