import type { ResponseContentBlock, WireMessage } from './wire';

/** One server-sent event as the Messages API names it (`event:`) with its JSON `data:`. */
export interface StreamEvent {
  readonly event: string;
  readonly data: Record<string, unknown>;
}

export interface ChunkSizes {
  readonly text: number;
  readonly json: number;
}

/** Splits on code points, never inside a surrogate pair, so every chunk is valid UTF-8 on its own. */
const chunk = (value: string, size: number): string[] => {
  const points = Array.from(value);
  const chunks: string[] = [];
  for (let i = 0; i < points.length; i += Math.max(1, size)) chunks.push(points.slice(i, i + size).join(''));
  return chunks;
};

const blockStart = (block: ResponseContentBlock): Record<string, unknown> =>
  block.type === 'text'
    ? { type: 'text', text: '' }
    : { type: 'tool_use', id: block.id, name: block.name, input: {} };

const blockDeltas = (block: ResponseContentBlock, sizes: ChunkSizes): Record<string, unknown>[] =>
  block.type === 'text'
    ? chunk(block.text, sizes.text).map((text) => ({ type: 'text_delta', text }))
    : // The API opens every tool input with an empty partial_json, then the JSON text in pieces.
      ['', ...chunk(JSON.stringify(block.input), sizes.json)].map((partial_json) => ({
        type: 'input_json_delta',
        partial_json,
      }));

/**
 * The SSE events of a streamed message, in the API's order: `message_start` (empty content, input usage),
 * a `ping`, per block `content_block_start` / `content_block_delta`* / `content_block_stop`, `message_delta`
 * (stop reason and the cumulative usage) and `message_stop`.
 */
export const messageEvents = (message: WireMessage, sizes: ChunkSizes): StreamEvent[] => {
  const { usage } = message;
  const events: StreamEvent[] = [
    {
      event: 'message_start',
      data: {
        type: 'message_start',
        message: {
          ...message,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { ...usage, output_tokens: Math.min(1, usage.output_tokens) },
        },
      },
    },
  ];
  const ping: StreamEvent = { event: 'ping', data: { type: 'ping' } };
  if (message.content.length === 0) events.push(ping);
  message.content.forEach((block, index) => {
    events.push({
      event: 'content_block_start',
      data: { type: 'content_block_start', index, content_block: blockStart(block) },
    });
    if (index === 0) events.push(ping);
    for (const delta of blockDeltas(block, sizes)) {
      events.push({ event: 'content_block_delta', data: { type: 'content_block_delta', index, delta } });
    }
    events.push({ event: 'content_block_stop', data: { type: 'content_block_stop', index } });
  });
  events.push(
    {
      event: 'message_delta',
      data: {
        type: 'message_delta',
        delta: { stop_reason: message.stop_reason, stop_sequence: message.stop_sequence },
        usage: {
          input_tokens: usage.input_tokens,
          cache_creation_input_tokens: usage.cache_creation_input_tokens,
          cache_read_input_tokens: usage.cache_read_input_tokens,
          output_tokens: usage.output_tokens,
        },
      },
    },
    { event: 'message_stop', data: { type: 'message_stop' } },
  );
  return events;
};

export const encodeEvent = ({ event, data }: StreamEvent): string =>
  `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
