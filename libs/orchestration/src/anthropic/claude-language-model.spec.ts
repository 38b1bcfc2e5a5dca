import { trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { AnthropicTestServer, scripted, type MessagesRequest, type RequestBlock } from '@lib/testing';
import { ModelError, type ModelStepRequest, type ToolDeclaration } from '../model/model-step';
import { SUBMIT_TURN_OUTCOME } from '../prompts';
import type { AnthropicConfig } from './anthropic.config';
import { ClaudeLanguageModel } from './claude-language-model';
import { costOf } from './pricing';
import {
  CRM_SOURCE,
  failedOutcome,
  INJECTION,
  KB_SOURCE,
  knowledgeOutcome,
  parallelRound,
  testConfig,
  turnContext,
  validOutcome,
} from './test-fixtures';

// The real, unmodified SDK talks over HTTP to the Anthropic-compatible test server of @lib/testing.

const TOOLS: ToolDeclaration[] = [
  {
    name: 'knowledge_search',
    description: 'Search the knowledge base',
    inputJsonSchema: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
  },
  {
    name: 'crm_lookup_prospect',
    description: 'Find the prospect in the CRM',
    inputJsonSchema: { type: 'object', properties: { email: { type: 'string' } } },
  },
];

/** A valid outcome citing nothing: for steps without tool results (a citation would need a repair). */
const uncited = () => validOutcome({ reply: { text: validOutcome().reply!.text, citations: [] } });

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

type Block = RequestBlock & Record<string, unknown>;
const blocksOf = (content: MessagesRequest['messages'][number]['content']): Block[] =>
  typeof content === 'string' ? [{ type: 'text', text: content }] : content;
const textOf = (content: MessagesRequest['messages'][number]['content']): string =>
  blocksOf(content)
    .map((b) => (typeof b['text'] === 'string' ? b['text'] : ''))
    .join('\n');

describe('ClaudeLanguageModel (real SDK against the Anthropic test server)', () => {
  const server = new AnthropicTestServer();
  let baseUrl: string;
  const model = (overrides: Partial<AnthropicConfig> = {}) =>
    new ClaudeLanguageModel(testConfig({ baseUrl, ...overrides }));
  const stepRequest = (overrides: Partial<ModelStepRequest> = {}): ModelStepRequest => ({
    context: turnContext(),
    rounds: [],
    tools: TOOLS,
    finalOnly: false,
    ...overrides,
  });
  const spans = (): ReadableSpan[] => exporter.getFinishedSpans();

  beforeAll(async () => {
    trace.setGlobalTracerProvider(provider);
    baseUrl = await server.start();
  });
  afterEach(() => {
    server.reset();
    exporter.reset();
  });
  afterAll(async () => {
    await server.stop();
    await provider.shutdown();
    trace.disable();
  });

  describe('request building', () => {
    it('caches the stable prefix: system prompt and the last tool (submit_turn_outcome), tool_choice auto', async () => {
      server.enqueue(scripted.finalToolCall(SUBMIT_TURN_OUTCOME, validOutcome({ reply: undefined })));
      await model().step(
        stepRequest({ context: turnContext({ role: 'rep', message: 'Happy to help, Ana.' }) }),
      );

      const [request] = server.messageRequests();
      expect(request?.stream).toBe(true);
      expect(request?.system).toEqual([
        expect.objectContaining({ type: 'text', cache_control: { type: 'ephemeral' } }),
      ]);
      const tools = (request?.tools ?? []) as Record<string, unknown>[];
      expect(tools.map((t) => t['name'])).toEqual([
        'knowledge_search',
        'crm_lookup_prospect',
        SUBMIT_TURN_OUTCOME,
      ]);
      expect(tools.map((t) => t['cache_control'])).toEqual([undefined, undefined, { type: 'ephemeral' }]);
      expect(tools[0]?.['input_schema']).toEqual(TOOLS[0]?.inputJsonSchema);
      // The reply comes first in the outcome's schema, so it is generated (and streamed) first.
      const outcomeSchema = tools[2]?.['input_schema'] as {
        type: string;
        properties: Record<string, unknown>;
      };
      expect(outcomeSchema.type).toBe('object');
      expect(Object.keys(outcomeSchema.properties)).toEqual([
        'reply',
        'analysis',
        'nextBestActions',
        'proposedCrmUpdates',
      ]);
      expect(request?.tool_choice).toEqual({ type: 'auto' });
      expect(request).not.toHaveProperty('temperature');
      // The key goes in a header, never in the body.
      expect(JSON.stringify(request)).not.toContain('sk-ant-test-secret-key');
    });

    it('forces submit_turn_outcome on the last step the loop allows', async () => {
      server.enqueue(scripted.finalToolCall(SUBMIT_TURN_OUTCOME, validOutcome()));
      await model({ temperature: 0.2 }).step(stepRequest({ finalOnly: true, rounds: [parallelRound()] }));

      const [request] = server.messageRequests();
      expect(request?.tool_choice).toEqual({ type: 'tool', name: SUBMIT_TURN_OUTCOME });
      expect(request?.temperature).toBe(0.2);
    });

    it('alternates roles starting with user: history opened by the rep, same-side turns merged', async () => {
      server.enqueue(scripted.finalToolCall(SUBMIT_TURN_OUTCOME, uncited()));
      const history = [
        { sequence: 1, role: 'rep' as const, text: 'Hi Ana, thanks for your interest.' },
        { sequence: 2, role: 'prospect' as const, text: 'Hi!' },
        { sequence: 3, role: 'prospect' as const, text: 'We are 25 people.' },
        { sequence: 4, role: 'rep' as const, text: 'Great, which plan are you looking at?' },
        { sequence: 5, role: 'prospect' as const, text: 'Growth, probably.' },
      ];
      await model().step(stepRequest({ context: turnContext({ history }) }));

      const messages = server.messageRequests()[0]?.messages ?? [];
      expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'user']);
      expect(textOf(messages[0].content)).toContain('opened by the rep');
      expect(textOf(messages[1].content)).toBe('Hi Ana, thanks for your interest.');
      expect(blocksOf(messages[2].content).map((b) => b['text'])).toEqual(['Hi!', 'We are 25 people.']);
      // The last history turn (prospect) and the current message share the final user message.
      const last = blocksOf(messages[4].content);
      expect(last[0]?.['text']).toBe('Growth, probably.');
      expect(textOf(messages[4].content)).toContain('How much is the Growth plan for 25 seats?');
      // Incremental caching: the last block of the request carries a breakpoint.
      expect(last.at(-1)?.['cache_control']).toEqual({ type: 'ephemeral' });
    });

    it('puts retrieved passages and the CRM record in delimited, escaped data blocks marked untrusted', async () => {
      server.enqueue(scripted.finalToolCall(SUBMIT_TURN_OUTCOME, validOutcome()));
      const context = turnContext({
        knowledge: [
          {
            sourceId: KB_SOURCE,
            toolCallId: knowledgeOutcome.toolCallId,
            title: 'Pricing › Growth',
            source: 'docs/pricing.md',
            text: `Growth costs $49 per seat per month. ${INJECTION}`,
            score: 0.9,
          },
        ],
        crm: {
          sourceId: CRM_SOURCE,
          toolCallId: 'x',
          contactName: 'Ana Lopez',
          companyName: 'Acme',
          deals: [],
          activities: [],
        },
      });
      await model().step(stepRequest({ context }));

      const text = textOf(server.messageRequests()[0].messages.at(-1)!.content);
      expect(text).toContain('not instructions');
      expect(text).toMatch(/<retrieved_documents untrusted="true">\n<document sourceId="kb:pricing#growth"/);
      expect(text).toContain(`<crm_record sourceId="${CRM_SOURCE}" untrusted="true">`);
      // The injected closing tags cannot end the block early.
      expect(text).toContain('&lt;/document&gt;&lt;/retrieved_documents&gt;');
      expect(text.match(/<\/retrieved_documents>/g)).toHaveLength(1);
      // The current message comes after the data, in its own block.
      expect(text.indexOf('<current_message from="prospect">')).toBeGreaterThan(
        text.indexOf('</retrieved_documents>'),
      );
    });

    it('replays each round as the stored assistant content and one tool_result per tool_use, ids matching', async () => {
      server.enqueue(scripted.finalToolCall(SUBMIT_TURN_OUTCOME, validOutcome()));
      const second = {
        calls: [{ providerCallId: 'toolu_r2_kb', name: 'knowledge_search', input: { query: 'discounts' } }],
        outcomes: [failedOutcome],
        assistantContent: [
          { type: 'tool_use', id: 'toolu_r2_kb', name: 'knowledge_search', input: { query: 'discounts' } },
        ],
      };
      await model().step(stepRequest({ rounds: [parallelRound(), second] }));

      const messages = server.messageRequests()[0]?.messages ?? [];
      expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'user']);
      expect(messages[1]?.content).toEqual(parallelRound().assistantContent);
      const results = blocksOf(messages[2].content);
      expect(results.map((b) => [b.type, b['tool_use_id'], b['is_error']])).toEqual([
        ['tool_result', 'toolu_r1_kb', undefined],
        ['tool_result', 'toolu_r1_crm', undefined],
      ]);
      expect(results[0]?.['content']).toContain('<document sourceId="kb:pricing#growth"');
      expect(results[0]?.['content']).toContain('&lt;/document&gt;');
      expect(results[1]?.['content']).toContain(`<crm_record sourceId="${CRM_SOURCE}"`);
      const failed = blocksOf(messages[4].content);
      expect(failed).toHaveLength(1);
      expect(failed[0]).toMatchObject({ type: 'tool_result', tool_use_id: 'toolu_r2_kb', is_error: true });
      expect(failed[0]?.['content']).toContain('knowledge base did not answer');
    });
  });

  describe('steps', () => {
    it('returns every parallel tool call of one response, with the assistant content to replay', async () => {
      server.enqueue(
        scripted.toolUse(
          [
            { id: 'toolu_kb', name: 'knowledge_search', input: { query: 'Growth plan price' } },
            { id: 'toolu_crm', name: 'crm_lookup_prospect', input: { email: 'ana@acme.test' } },
          ],
          { preamble: 'Let me check.', usage: { input_tokens: 1200, output_tokens: 80 } },
        ),
      );

      const onReplyDelta = jest.fn();
      const step = await model().step(stepRequest({ onReplyDelta }));

      expect(step.kind).toBe('tool_calls');
      if (step.kind !== 'tool_calls') return;
      expect(step.calls).toEqual([
        { providerCallId: 'toolu_kb', name: 'knowledge_search', input: { query: 'Growth plan price' } },
        { providerCallId: 'toolu_crm', name: 'crm_lookup_prospect', input: { email: 'ana@acme.test' } },
      ]);
      expect(step.assistantContent).toEqual([
        expect.objectContaining({ type: 'text', text: 'Let me check.' }),
        expect.objectContaining({ type: 'tool_use', id: 'toolu_kb' }),
        expect.objectContaining({ type: 'tool_use', id: 'toolu_crm' }),
      ]);
      expect(step.usage).toMatchObject({ inputTokens: 1200, outputTokens: 80 });
      expect(onReplyDelta).not.toHaveBeenCalled();
    });

    it('streams the reply text as deltas, in order, that add up to the validated final reply', async () => {
      server.enqueue(scripted.finalToolCall(SUBMIT_TURN_OUTCOME, validOutcome(), { jsonChunkSize: 7 }));
      const deltas: string[] = [];

      const step = await model().step(
        stepRequest({ rounds: [parallelRound()], onReplyDelta: (d) => deltas.push(d) }),
      );

      expect(step.kind).toBe('final');
      if (step.kind !== 'final') return;
      expect(deltas.length).toBeGreaterThan(5);
      expect(deltas.join('')).toBe(step.outcome.reply?.text);
      expect(step.outcome.reply?.text).toBe(validOutcome().reply?.text);
      // Citations are normalised from the tool result (title with its section).
      expect(step.outcome.reply?.citations).toEqual([
        { sourceId: KB_SOURCE, title: 'Pricing › Growth', source: 'docs/pricing.md' },
      ]);
      expect(step.outcome.analysis.qualification?.bant.authority.value).toBe('VP Sales');
      expect(step.outcome.proposedCrmUpdates).toHaveLength(1);
    });

    it('decodes escapes in the streamed reply text', async () => {
      const text = 'Line one\nQuote: "49 $" — café ✓ 😀 \\ end';
      const outcome = validOutcome({ reply: { text, citations: [] } });
      server.enqueue(scripted.finalToolCall(SUBMIT_TURN_OUTCOME, outcome, { jsonChunkSize: 3 }));
      const deltas: string[] = [];

      await model().step(stepRequest({ onReplyDelta: (d) => deltas.push(d) }));

      expect(deltas.join('')).toBe(text);
    });
  });

  describe('repair', () => {
    it('repairs an invalid outcome once: the error tool_result lists the problems, the tool is forced', async () => {
      const invalid = { ...validOutcome(), analysis: { ...validOutcome().analysis, stage: 'maybe' } };
      server.enqueue(
        scripted.finalToolCall(SUBMIT_TURN_OUTCOME, invalid, {
          usage: { input_tokens: 1000, output_tokens: 500 },
        }),
        scripted.finalToolCall(SUBMIT_TURN_OUTCOME, validOutcome(), {
          usage: { input_tokens: 1600, output_tokens: 520 },
        }),
      );

      const step = await model().step(stepRequest({ rounds: [parallelRound()] }));

      expect(step.kind).toBe('final');
      const requests = server.messageRequests();
      expect(requests).toHaveLength(2);
      const repair = requests[1];
      expect(repair.tool_choice).toEqual({ type: 'tool', name: SUBMIT_TURN_OUTCOME });
      const [assistant, user] = repair.messages.slice(-2);
      expect(assistant?.role).toBe('assistant');
      const use = blocksOf(assistant.content).find((b) => b.type === 'tool_use');
      const result = blocksOf(user.content)[0];
      expect(result).toMatchObject({ type: 'tool_result', tool_use_id: use?.['id'], is_error: true });
      expect(result?.['content']).toContain('analysis.stage');
      // Usage counts both calls.
      expect(step.usage).toMatchObject({ inputTokens: 2600, outputTokens: 1020 });
    });

    it('fails with invalid_model_output when the repaired outcome is still invalid', async () => {
      const invalid = { ...validOutcome(), nextBestActions: 'call them' };
      server.enqueue(
        scripted.finalToolCall(SUBMIT_TURN_OUTCOME, invalid),
        scripted.finalToolCall(SUBMIT_TURN_OUTCOME, invalid),
      );

      const error = await model()
        .step(stepRequest())
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(ModelError);
      expect(error).toMatchObject({ code: 'invalid_model_output' });
      expect((error as ModelError).message).toContain('nextBestActions');
      expect(server.messageRequests()).toHaveLength(2);
    });

    it('asks for the outcome when the model answers in plain text', async () => {
      server.enqueue(
        scripted.text('The Growth plan is great!'),
        scripted.finalToolCall(SUBMIT_TURN_OUTCOME, validOutcome()),
      );

      const step = await model().step(stepRequest({ rounds: [parallelRound()] }));

      expect(step.kind).toBe('final');
      const repair = server.messageRequests()[1];
      expect(repair.tool_choice).toEqual({ type: 'tool', name: SUBMIT_TURN_OUTCOME });
      expect(repair.messages.at(-2)?.role).toBe('assistant');
      expect(textOf(repair.messages.at(-1)!.content)).toContain('plain text');
    });

    it('repairs a citation to a source no tool returned, and drops it if the repair cites it again', async () => {
      const bad = validOutcome({
        reply: {
          text: 'Our price is $49.',
          citations: [{ sourceId: 'kb:made-up', title: 'x', source: 'y' }],
        },
      });
      server.enqueue(
        scripted.finalToolCall(SUBMIT_TURN_OUTCOME, bad),
        scripted.finalToolCall(SUBMIT_TURN_OUTCOME, bad),
      );

      const step = await model().step(stepRequest({ rounds: [parallelRound()] }));

      const repairText = JSON.stringify(server.messageRequests()[1]?.messages.at(-1));
      expect(repairText).toContain('kb:made-up');
      expect(repairText).toContain(KB_SOURCE);
      expect(step.kind === 'final' && step.outcome.reply?.citations).toEqual([]);
    });
  });

  describe('errors', () => {
    it('relies on the SDK retry: a 429 with retry-after, then success', async () => {
      server.enqueue(scripted.rateLimited(0.05), scripted.finalToolCall(SUBMIT_TURN_OUTCOME, uncited()));

      const step = await model().step(stepRequest());

      expect(step.kind).toBe('final');
      expect(server.requests.map((r) => r.status)).toEqual([429, 200]);
      const gap = server.requests[1].receivedAt - server.requests[0].receivedAt;
      expect(gap).toBeGreaterThanOrEqual(45);
    });

    it('maps 401 to model_auth_failed with the status and the request id', async () => {
      const strict = new AnthropicTestServer({ apiKey: 'sk-the-right-key' });
      const url = await strict.start();
      try {
        const error = await new ClaudeLanguageModel(testConfig({ baseUrl: url }))
          .step(stepRequest())
          .catch((e: unknown) => e);

        expect(error).toBeInstanceOf(ModelError);
        expect(error).toMatchObject({
          code: 'model_auth_failed',
          message: expect.stringContaining('the Anthropic API key was rejected'),
          details: { status: 401, requestId: strict.requests[0]?.requestId },
        });
        expect((error as Error).message).not.toContain('sk-ant-test-secret-key');
        expect(strict.requests).toHaveLength(1);
      } finally {
        await strict.stop();
      }
    });

    it('maps 529 after the SDK retries are exhausted to model_unavailable', async () => {
      const overloaded = () => scripted.error(529, { headers: { 'retry-after': '0.01' } });
      server.enqueue(overloaded(), overloaded(), overloaded());

      const error = await model({ maxRetries: 2 })
        .step(stepRequest())
        .catch((e: unknown) => e);

      expect(error).toMatchObject({ code: 'model_unavailable', details: { status: 529 } });
      expect((error as ModelError).details.requestId).toBe(server.requests[2]?.requestId);
      expect(server.requests).toHaveLength(3);
    });

    it('maps 400 to model_bad_request without retrying', async () => {
      server.enqueue(scripted.error(400, { message: 'messages: roles must alternate' }));

      const error = await model()
        .step(stepRequest())
        .catch((e: unknown) => e);

      expect(error).toMatchObject({ code: 'model_bad_request', details: { status: 400 } });
      expect(server.requests).toHaveLength(1);
    });

    it('retries a stream cut in the middle once, then gives model_unavailable', async () => {
      const final = scripted.finalToolCall(SUBMIT_TURN_OUTCOME, uncited());
      server.enqueue(scripted.cut(final, 8), final);
      const deltas: string[] = [];
      const ok = await model().step(stepRequest({ onReplyDelta: (d) => deltas.push(d) }));
      expect(ok.kind).toBe('final');
      expect(server.messageRequests()).toHaveLength(2);
      // The retry writes the same text again: the client does not see it twice.
      expect(deltas.join('')).toBe(validOutcome().reply?.text);

      server.reset();
      server.enqueue(scripted.cut(final, 4), scripted.streamError(final, 5));
      const error = await model()
        .step(stepRequest())
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'model_unavailable' });
      expect(server.messageRequests()).toHaveLength(2);
    });

    it('gives model_timeout when the stream goes silent longer than the timeout', async () => {
      server.enqueue(scripted.slow(scripted.finalToolCall(SUBMIT_TURN_OUTCOME, uncited()), 600));

      const error = await model({ timeoutMs: 150 })
        .step(stepRequest())
        .catch((e: unknown) => e);

      expect(error).toMatchObject({ code: 'model_timeout' });
    });
  });

  describe('usage, cost and spans', () => {
    it('sums usage of every call with cache reads and writes apart, and prices them', async () => {
      const usage1 = {
        input_tokens: 300,
        output_tokens: 100,
        cache_creation_input_tokens: 2500,
        cache_read_input_tokens: 0,
      };
      const usage2 = {
        input_tokens: 900,
        output_tokens: 700,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 2500,
      };
      server.enqueue(
        scripted.finalToolCall(SUBMIT_TURN_OUTCOME, { nope: true }, { usage: usage1 }),
        scripted.finalToolCall(SUBMIT_TURN_OUTCOME, validOutcome(), { usage: usage2 }),
      );

      const step = await model().step(stepRequest());

      const expected = {
        inputTokens: 1200,
        outputTokens: 800,
        cacheWriteTokens: 2500,
        cacheReadTokens: 2500,
      };
      expect(step.usage).toEqual({ ...expected, costUsd: costOf('claude-sonnet-4-6', expected) });
      // Sonnet 4.x: 1200×3 + 800×15 + 2500×3.75 + 2500×0.30 per million.
      expect(step.usage.costUsd).toBeCloseTo(0.025725, 9);
    });

    it('records a GenAI client span per call, without prompt or completion text by default', async () => {
      server.enqueue(
        scripted.finalToolCall(SUBMIT_TURN_OUTCOME, validOutcome(), {
          usage: {
            input_tokens: 400,
            output_tokens: 300,
            cache_read_input_tokens: 2000,
            cache_creation_input_tokens: 0,
          },
        }),
      );

      await model().step(stepRequest({ rounds: [parallelRound()] }));

      expect(spans()).toHaveLength(1);
      const span = spans()[0];
      expect(span.name).toBe('chat claude-sonnet-4-6');
      expect(span.kind).toBe(2); // SpanKind.CLIENT
      expect(span.attributes).toMatchObject({
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'anthropic',
        'gen_ai.system': 'anthropic',
        'gen_ai.request.model': 'claude-sonnet-4-6',
        'gen_ai.request.max_tokens': 1024,
        'gen_ai.response.model': 'claude-sonnet-4-6',
        'gen_ai.response.finish_reasons': ['tool_use'],
        'gen_ai.usage.input_tokens': 2400,
        'gen_ai.usage.output_tokens': 300,
        'gen_ai.usage.cache_read.input_tokens': 2000,
        'gen_ai.usage.cache_creation.input_tokens': 0,
        'sales_agent.prompt.version': 'sales-assistant-v1',
        'sales_agent.model_call.purpose': 'step',
        'anthropic.request_id': server.requests[0]?.requestId,
      });
      expect(span.attributes['gen_ai.response.id']).toMatch(/^msg_test_/);
      expect(span.attributes['gen_ai.response.time_to_first_chunk']).toEqual(expect.any(Number));
      expect(span.events.map((e) => e.name)).toContain('gen_ai.first_token');
      const everything = JSON.stringify(span.attributes);
      expect(everything).not.toContain('Growth plan');
      expect(everything).not.toContain('sk-ant-test-secret-key');
      expect(span.attributes).not.toHaveProperty('gen_ai.input.messages');
    });

    it('records content only when LLM_CAPTURE_CONTENT is on, and the failure of a call', async () => {
      server.enqueue(scripted.finalToolCall(SUBMIT_TURN_OUTCOME, uncited()), scripted.error(400));

      await model({ captureContent: true }).step(stepRequest());
      await expect(model().step(stepRequest())).rejects.toMatchObject({ code: 'model_bad_request' });

      const [ok, failed] = spans();
      expect(ok?.attributes['gen_ai.input.messages']).toContain('How much is the Growth plan for 25 seats?');
      expect(ok?.attributes['gen_ai.output.messages']).toContain('$49 per seat');
      expect(ok?.attributes['gen_ai.system_instructions']).toContain('B2B');
      expect(failed?.status.code).toBe(2); // SpanStatusCode.ERROR
      expect(failed?.attributes['error.type']).toBe('400');
      expect(failed?.events.map((e) => e.name)).toContain('exception');
    });
  });
});
