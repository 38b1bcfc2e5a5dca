import { join } from 'node:path';
import {
  ClaudeLanguageModel,
  declaredTools,
  loadAnthropicConfig,
  loadOrchestratorConfig,
} from '@lib/orchestration';
import {
  AnthropicTestServer,
  createMigratedDatabase,
  knowledgeSourceIdsIn,
  salesTurnOutcome,
  scripted,
  toolResultsOf,
  type MessagesRequest,
  type MigratedServiceDatabase,
} from '@lib/testing';
import { defaultKnowledgeBaseDir, TOOL_RUNNER_DATABASE } from '@lib/tools';
import type { RecordedConversation } from './dataset';
import { compareReports, DEFAULT_THRESHOLDS } from './gate';
import { evaluatorPolicy } from './policy';
import { ReplayEngine } from './replay-engine';
import { InProcessToolRunner, prepareReplayTools } from './tool-runner';

const TENANT = '00000000-0000-4000-8000-0000000000aa';
const REPLY = 'We issue refunds or credits in this category if this is the first bill and usage spiked.';

const conversation: RecordedConversation = {
  id: 'claude-refund',
  conversation: { mode: 'autonomous', prospect: { email: 'maya.chen@northwindpay.com' } },
  turns: [{ role: 'prospect', text: 'Our bill spiked after a bot attack. Can we get a refund?' }],
};

/** Claude as scripted: search the KB, then answer citing the first passage, unless the system prompt forbids it. */
function respond(request: MessagesRequest) {
  if (toolResultsOf(request).length === 0) {
    return scripted.toolUse([
      { name: 'knowledge_search', input: { query: 'refund bot attack first bill', limit: 4 } },
    ]);
  }
  const system = JSON.stringify(request.system ?? '');
  const [sourceId] = knowledgeSourceIdsIn(request);
  const cite = !system.includes('do NOT cite');
  return scripted.finalToolCall('submit_turn_outcome', salesTurnOutcome(REPLY, cite ? sourceId : undefined), {
    usage: { input_tokens: 1200, output_tokens: 300 },
  });
}

describe('ReplayEngine with Claude (Anthropic-compatible test server, real PostgreSQL knowledge base)', () => {
  const anthropic = new AnthropicTestServer();
  let db: MigratedServiceDatabase;
  let runner: InProcessToolRunner;
  let baseUrl: string;

  beforeAll(async () => {
    baseUrl = await anthropic.start();
    anthropic.script((request) => respond(request));
    db = await createMigratedDatabase(TOOL_RUNNER_DATABASE);
    const { tools } = await prepareReplayTools(db.uow, TENANT, {
      knowledgePaths: [join(defaultKnowledgeBaseDir(), 'posthog/refunds.md')],
    });
    runner = new InProcessToolRunner(tools, TENANT);
  });

  afterAll(async () => {
    await db.close();
    await anthropic.stop();
  });

  const engine = (promptVersion: string): ReplayEngine =>
    new ReplayEngine({
      model: new ClaudeLanguageModel(
        loadAnthropicConfig({
          ANTHROPIC_API_KEY: 'sk-ant-test',
          ANTHROPIC_BASE_URL: baseUrl,
          ANTHROPIC_PROMPT_VERSION: promptVersion,
          ANTHROPIC_MAX_RETRIES: '0',
        }),
      ),
      tools: runner,
      declarations: declaredTools(loadOrchestratorConfig({})),
      scoring: { groundednessThreshold: 0.6, claimSupportRatio: 0.6 },
      policy: evaluatorPolicy({ competitors: [], offTopicThreshold: 0.15 }),
    });

  it('runs the tool loop through Claude with real retrieval, scores the reply, and gates the no-citation prompt', async () => {
    const baseline = await engine('sales-assistant-v1').run('inline', [conversation]);
    const [turn] = baseline.conversations[0].turns;
    expect(turn.status).toBe('replied');
    expect(turn.reply).toBe(REPLY);
    expect(turn.toolCalls).toBe(1);
    expect(turn.citations).toHaveLength(1);
    expect(turn.citations[0]).toMatch(/^kb:refunds\.md#\d+$/);
    expect(turn.scores).toMatchObject({ citationValidity: 1, schemaValid: true, grounded: true });
    expect(turn.usage).toMatchObject({ inputTokens: expect.any(Number), modelCalls: 2 });
    expect(turn.usage.costUsd).toBeGreaterThan(0);
    expect(baseline.model).toMatchObject({ provider: 'anthropic', promptVersion: 'sales-assistant-v1' });

    const candidate = await engine('sales-assistant-v1-nocite').run('inline', [conversation]);
    expect(candidate.conversations[0].turns[0].citations).toEqual([]);
    expect(candidate.overall.schemaValidityRate).toBe(0);
    const gate = compareReports(baseline, candidate, DEFAULT_THRESHOLDS);
    expect(gate.passed).toBe(false);
    expect(gate.failures.map((f) => f.metric)).toEqual(['schemaValidityRate']);
    expect(compareReports(baseline, baseline, DEFAULT_THRESHOLDS).passed).toBe(true);
  });
});
