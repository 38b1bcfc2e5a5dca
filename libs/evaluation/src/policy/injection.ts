import { quote, type PolicyFlag } from './flag';

/** Signs of a prompt injection, each a pattern and what it is. */
const SIGNS: readonly { name: string; pattern: RegExp }[] = [
  {
    name: 'instruction override',
    pattern:
      /\b(?:ignore|disregard|forget|override|bypass)\b(?:\s+\w+){0,3}?\s+(?:previous|prior|above|earlier|all|your|the|system|original)\s+(?:\w+\s+)?(?:instructions?|prompts?|rules|directives|guidelines|context)\b/i,
  },
  { name: 'new instructions', pattern: /\b(?:new|updated|real) (?:system )?instructions?\s*:/i },
  {
    name: 'role reassignment',
    pattern:
      /\byou are (?:now|no longer)\b|\bfrom now on,? you\b|\bpretend (?:to be|you are)\b|\bact as (?:an? )?(?:unrestricted|jailbroken|dan|different|new)\b|\bdeveloper mode\b|\bjailbreak/i,
  },
  {
    name: 'role tag',
    pattern:
      /<\/?\s*(?:system|assistant|user|instructions?|tool_use|function_calls?)\s*>|\[\/?INST\]|<\|im_(?:start|end)\|>|^\s*#{1,3}\s*(?:system|assistant)\b|^\s*(?:system|assistant)\s*:/im,
  },
  {
    name: 'system-prompt exfiltration',
    pattern:
      /\b(?:reveal|show|print|repeat|output|tell me|give me|display|leak|dump)\b(?:\s+\w+){0,3}?\s+(?:system prompt|initial prompt|hidden (?:prompt|instructions)|(?:your|the) (?:instructions|prompt|rules|configuration))\b/i,
  },
  {
    name: 'tool-call imperative',
    pattern:
      /\b(?:call|invoke|run|execute|use|trigger)\s+(?:the\s+)?(?:`?\w+[._]\w+`?\s+)?(?:tool|function)\b|\b(?:update|delete|modify|write to)\s+(?:the\s+)?crm\b|\b(?:set|change|mark)\s+(?:the\s+)?(?:deal|opportunity)\s+(?:stage|status|amount)\b/i,
  },
];

export interface InjectionSource {
  readonly text: string;
  readonly where: 'prospect' | 'grounding';
  readonly sourceId?: string;
}

/** The injection signs of one text: which sign and the quoted span. */
export function injectionSigns(text: string): { sign: string; span: string }[] {
  const found: { sign: string; span: string }[] = [];
  for (const { name, pattern } of SIGNS) {
    const m = pattern.exec(text);
    if (m) found.push({ sign: name, span: m[0].trim() });
  }
  return found;
}

/**
 * Prompt-injection signs in the prospect's input (`warning`: an attempt, the model may have resisted) and in
 * retrieved text (`critical`: indirect injection through the knowledge base or the CRM, it reaches every
 * conversation that retrieves it). One flag per sign per text.
 */
export function findPromptInjection(sources: readonly InjectionSource[]): PolicyFlag[] {
  return sources.flatMap((s) =>
    injectionSigns(s.text).map(({ sign, span }): PolicyFlag => ({
      kind: 'prompt_injection',
      severity: s.where === 'grounding' ? 'critical' : 'warning',
      evidence: quote(`${sign}: ${span}`),
      where: s.where,
      ...(s.sourceId === undefined ? {} : { sourceId: s.sourceId }),
    })),
  );
}
