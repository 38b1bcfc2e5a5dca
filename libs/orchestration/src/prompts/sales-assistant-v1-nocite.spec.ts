import { knowledgeOutcome, turnContext } from '../anthropic/test-fixtures';
import { knowledgePassages } from '../model/tool-outcomes';
import { OFFLINE_MODEL_INFO, OfflineLanguageModel } from '../offline/offline-language-model';
import { PROMPTS, promptByVersion, SALES_ASSISTANT_V1, SALES_ASSISTANT_V1_NOCITE } from './index';

describe('sales-assistant-v1-nocite (test-only, deliberately worse)', () => {
  it('is registered, keeps v1 as the current prompt, and tells the model not to cite', () => {
    expect(promptByVersion('sales-assistant-v1-nocite')).toBe(SALES_ASSISTANT_V1_NOCITE);
    expect(Object.keys(PROMPTS)).toContain('sales-assistant-v1');
    const system = SALES_ASSISTANT_V1_NOCITE.system('autonomous');
    expect(system).toContain('do NOT cite sources');
    expect(system).not.toContain('Cite every source your reply relies on');
    expect(system).toMatch(/Never invent or promise prices/);
    expect(SALES_ASSISTANT_V1.system('autonomous')).toContain('Cite every source your reply relies on');
    expect(SALES_ASSISTANT_V1.offline).toBeUndefined();
  });

  it('the offline model honours it: same quoted reply, no citations; the version is stamped', async () => {
    const context = turnContext({
      message: 'How much does Growth cost per seat?',
      tools: [knowledgeOutcome],
      knowledge: knowledgePassages([knowledgeOutcome]),
      crm: undefined,
    });
    const request = { context, rounds: [], tools: [], finalOnly: true };
    const v1 = await new OfflineLanguageModel({ prompt: SALES_ASSISTANT_V1 }).step(request);
    const nocite = new OfflineLanguageModel({ prompt: SALES_ASSISTANT_V1_NOCITE });
    const worse = await nocite.step(request);
    if (v1.kind !== 'final' || worse.kind !== 'final') throw new Error('expected final outcomes');
    expect(v1.outcome.reply?.citations.map((c) => c.sourceId)).toEqual(['kb:pricing#growth']);
    expect(worse.outcome.reply?.text).toBe(v1.outcome.reply?.text);
    expect(worse.outcome.reply?.citations).toEqual([]);
    expect(nocite.info.promptVersion).toBe('sales-assistant-v1-nocite');
    expect(new OfflineLanguageModel().info).toBe(OFFLINE_MODEL_INFO);
  });
});
