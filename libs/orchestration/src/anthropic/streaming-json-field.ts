type Frame = { kind: 'object'; key: string | undefined; expectKey: boolean } | { kind: 'array' };

const SIMPLE_ESCAPES: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

/**
 * Reads one string field (e.g. `reply.text`) out of a JSON document that arrives in pieces, as Claude streams
 * a tool call's input (`input_json_delta`). The SDK's partial-JSON snapshot only shows a string once it is
 * closed, which would defeat streaming; this scanner decodes the string as it grows. Incremental: each piece
 * is scanned once. Escapes are decoded only when complete, so the value only ever grows by appending.
 */
export class StreamingJsonField {
  private buffer = '';
  private pos = 0;
  private readonly stack: Frame[] = [];
  private state: 'between' | 'key' | 'skip_string' | 'target' | 'literal' | 'done' = 'between';
  private keyStart = 0;
  private value = '';
  private found = false;

  constructor(private readonly path: readonly string[]) {}

  /** Adds the next piece; returns the field's value so far (undefined until it starts). */
  push(piece: string): { readonly value: string; readonly complete: boolean } | undefined {
    this.buffer += piece;
    this.scan();
    if (!this.found) return undefined;
    return { value: this.value, complete: this.state === 'done' };
  }

  private scan(): void {
    const s = this.buffer;
    while (this.pos < s.length && this.state !== 'done') {
      const c = s[this.pos];
      switch (this.state) {
        case 'key':
        case 'skip_string': {
          if (c === '\\') {
            if (this.pos + 1 >= s.length) return; // wait for the escaped character
            this.pos += 2;
            continue;
          }
          if (c === '"') {
            if (this.state === 'key') this.closeKey(s.slice(this.keyStart, this.pos + 1));
            this.state = 'between';
          }
          this.pos += 1;
          continue;
        }
        case 'target': {
          if (c === '"') {
            this.state = 'done';
            this.pos += 1;
            continue;
          }
          if (c !== '\\') {
            this.value += c;
            this.pos += 1;
            continue;
          }
          const next = s[this.pos + 1];
          if (next === undefined) return;
          if (next === 'u') {
            const hex = s.slice(this.pos + 2, this.pos + 6);
            if (hex.length < 4) return;
            const code = parseInt(hex, 16);
            // A high surrogate waits for its low half, so the value never ends in half a character.
            if (code >= 0xd800 && code <= 0xdbff) {
              if (s.length < this.pos + 12) return;
              this.value += String.fromCharCode(code, parseInt(s.slice(this.pos + 8, this.pos + 12), 16));
              this.pos += 12;
              continue;
            }
            this.value += String.fromCharCode(code);
            this.pos += 6;
            continue;
          }
          this.value += SIMPLE_ESCAPES[next] ?? next;
          this.pos += 2;
          continue;
        }
        case 'literal': {
          if (c === ',' || c === '}' || c === ']' || /\s/.test(c)) {
            this.state = 'between';
            continue; // the delimiter is handled in 'between'
          }
          this.pos += 1;
          continue;
        }
        case 'between':
          this.between(c);
          continue;
      }
    }
  }

  private between(c: string): void {
    const top = this.stack.at(-1);
    this.pos += 1;
    if (c === '{') {
      this.stack.push({ kind: 'object', key: undefined, expectKey: true });
    } else if (c === '[') {
      this.stack.push({ kind: 'array' });
    } else if (c === '}' || c === ']') {
      this.stack.pop();
    } else if (c === ',') {
      if (top?.kind === 'object') {
        top.key = undefined;
        top.expectKey = true;
      }
    } else if (c === '"') {
      if (top?.kind === 'object' && top.expectKey) {
        this.state = 'key';
        this.keyStart = this.pos - 1;
      } else if (this.atPath()) {
        this.state = 'target';
        this.found = true;
      } else {
        this.state = 'skip_string';
      }
    } else if (c !== ':' && !/\s/.test(c)) {
      this.state = 'literal';
    }
  }

  private closeKey(raw: string): void {
    const top = this.stack.at(-1);
    if (top?.kind !== 'object') return;
    top.key = JSON.parse(raw) as string;
    top.expectKey = false;
  }

  private atPath(): boolean {
    return (
      this.stack.length === this.path.length &&
      this.stack.every((frame, depth) => frame.kind === 'object' && frame.key === this.path[depth])
    );
  }
}
