import { BaseRpcContext } from '@nestjs/microservices';

export type RawHeaders = Record<string, Buffer | string | (Buffer | string)[] | undefined>;

/** A record as a transport received it, before decoding. */
export interface IncomingRecord {
  readonly topic: string;
  readonly partition: number;
  /** Kafka offsets are 64-bit: kept as a decimal string. */
  readonly offset: string;
  readonly key: Buffer | string | null;
  readonly value: Buffer | null;
  readonly headers: RawHeaders;
}

/** What a handler receives as `@Ctx()`: where the event came from and who consumes it. */
export class DeliveryContext extends BaseRpcContext<[IncomingRecord, string, number]> {
  get record(): IncomingRecord {
    return this.args[0];
  }
  get topic(): string {
    return this.args[0].topic;
  }
  get partition(): number {
    return this.args[0].partition;
  }
  get offset(): string {
    return this.args[0].offset;
  }
  get consumerGroup(): string {
    return this.args[1];
  }
  /** 1 for the first delivery attempt, 2 for the first retry… */
  get attempt(): number {
    return this.args[2];
  }
}

export function headerText(headers: RawHeaders, name: string): string | undefined {
  const raw = headers[name];
  const first = Array.isArray(raw) ? raw[0] : raw;
  return first === undefined ? undefined : first.toString();
}

/** Headers as strings, for re-publishing a record as it was received (dead-lettering). */
export function stringHeaders(headers: RawHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(headers)) {
    const value = headerText(headers, name);
    if (value !== undefined) out[name] = value;
  }
  return out;
}
