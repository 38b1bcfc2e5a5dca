import { createParser, type EventSourceMessage } from 'eventsource-parser';

/** A small client of the gateway's public HTTP API, as a UI client would use it. */
export class GatewayClient {
  constructor(
    readonly baseUrl: string,
    private readonly apiKey: string,
  ) {}

  async request(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    return fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.apiKey}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
  }

  async json<T>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: T; contentType: string }> {
    const res = await this.request(method, path, body, headers);
    const text = await res.text();
    return {
      status: res.status,
      body: (text ? JSON.parse(text) : undefined) as T,
      contentType: res.headers.get('content-type') ?? '',
    };
  }

  /** Opens the conversation's SSE stream and collects its events until `close()`. */
  async openEvents(conversationId: string): Promise<EventStream> {
    const controller = new AbortController();
    const res = await fetch(`${this.baseUrl}/v1/conversations/${conversationId}/events`, {
      headers: { authorization: `Bearer ${this.apiKey}`, accept: 'text/event-stream' },
      signal: controller.signal,
    });
    if (res.status !== 200 || !res.body) throw new Error(`SSE: HTTP ${res.status} ${await res.text()}`);
    const stream = new EventStream(controller);
    const parser = createParser({ onEvent: (e) => stream.events.push(e) });
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    void (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          parser.feed(decoder.decode(value, { stream: true }));
        }
      } catch {
        // aborted by close()
      }
    })();
    return stream;
  }
}

export interface StreamedEvent {
  type: string;
  id: string;
  data: { turnId?: string; [key: string]: unknown };
}

export class EventStream {
  readonly events: EventSourceMessage[] = [];
  constructor(private readonly controller: AbortController) {}

  parsed(): StreamedEvent[] {
    return this.events.map((e) => JSON.parse(e.data) as StreamedEvent);
  }

  /** Event names (SSE `event:` field) received for one turn, in order. */
  namesForTurn(turnId: string): string[] {
    return this.events
      .filter((e) => (JSON.parse(e.data) as StreamedEvent).data.turnId === turnId)
      .map((e) => e.event ?? '');
  }

  close(): void {
    this.controller.abort();
  }
}
