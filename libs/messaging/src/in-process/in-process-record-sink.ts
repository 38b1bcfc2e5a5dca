import type { KafkaRecord } from '@lib/contracts';
import { RecordSink, type TombstoneRecord } from '../delivery';
import type { InProcessEventBus } from './in-process-event-bus';

/** The embedded mode's sink: records go to the shared in-process bus; `send` resolves once they are queued. */
export class InProcessRecordSink extends RecordSink {
  constructor(private readonly bus: InProcessEventBus) {
    super();
  }

  send(topic: string, records: KafkaRecord[]): Promise<void> {
    return this.bus.send(topic, records);
  }

  override sendTombstones(topic: string, records: TombstoneRecord[]): Promise<void> {
    return this.bus.send(topic, records);
  }
}
