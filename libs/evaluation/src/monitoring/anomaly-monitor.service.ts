import { Inject, Injectable, Logger } from '@nestjs/common';
import { AlertRaised, deriveId, type AlertRaisedData, type EventEnvelope } from '@lib/contracts';
import { EventPublisher } from '@lib/messaging';
import {
  BurstDetector,
  defaultDetectorOptions,
  WindowShiftDetector,
  type Anomaly,
  type AnomalyDetector,
  type AnomalyKind,
  type Sample,
} from './detectors';
import { MONITORING_CONFIG, type MonitoringConfig } from './monitoring.config';

export const AnomalyAlertIds = {
  /** One alert per tenant, kind, severity and window start: a redelivered or retried event gives the same id. */
  alert: (a: Pick<Anomaly, 'tenantId' | 'kind' | 'severity' | 'windowStart'>): string =>
    deriveId(a.tenantId, 'anomaly', a.kind, a.severity, new Date(a.windowStart).toISOString()),
  alertEvent: (alertId: string): string => deriveId(alertId, 'alert.raised'),
} as const;

/** How many (kind, event id) results are remembered, so a retried handler replays the same outcome. */
const MEMO_SIZE = 10_000;

const round = (v: number, digits = 4): number => Math.round(v * 10 ** digits) / 10 ** digits;

function describe(a: Anomaly): string {
  const f = (v: number): string =>
    a.kind === 'latency_p95_jump' ? `${Math.round(v)} ms` : round(v, 3).toString();
  const what: Record<AnomalyKind, string> = {
    error_rate_spike: `Error rate ${f(a.current)} over the last ${a.sampleCount} turns`,
    latency_p95_jump: `Reply latency p95 ${f(a.current)} over the last ${a.sampleCount} replies`,
    groundedness_drop: `Mean groundedness ${f(a.current)} over the last ${a.sampleCount} replies`,
    satisfaction_drop: `Mean satisfaction ${f(a.current)} over the last ${a.sampleCount} feedbacks`,
    crm_write_burst: `${a.current} CRM change proposals in the current window`,
  };
  return `${what[a.kind]}, against a baseline of ${f(a.baseline)} (threshold ${f(a.threshold)}).`;
}

/**
 * Feeds the anomaly detectors and publishes `alert.raised` for what they find, in the handler's unit of work
 * (outbox). State is in memory per evaluator instance, warmed by the stream (see the README's limits). The
 * inbox skips redelivered events; a handler retried after a failed transaction sees the same outcome again
 * (remembered per kind and event id), so the alert it republishes has the same ids.
 */
@Injectable()
export class AnomalyMonitor {
  private readonly logger = new Logger(AnomalyMonitor.name);
  private readonly detectors: Readonly<Record<AnomalyKind, AnomalyDetector>>;
  private readonly memo = new Map<string, Anomaly | undefined>();

  constructor(
    private readonly publisher: EventPublisher,
    @Inject(MONITORING_CONFIG) private readonly config: MonitoringConfig,
  ) {
    const o = defaultDetectorOptions({ cooldownMs: config.cooldownMs });
    this.detectors = {
      error_rate_spike: new WindowShiftDetector(o.error_rate_spike),
      latency_p95_jump: new WindowShiftDetector(o.latency_p95_jump),
      groundedness_drop: new WindowShiftDetector(o.groundedness_drop),
      satisfaction_drop: new WindowShiftDetector(o.satisfaction_drop),
      crm_write_burst: new BurstDetector(o.crm_write_burst),
    };
  }

  get enabled(): boolean {
    return this.config.anomalyDetection;
  }

  /** Observes one sample of `event`; publishes the alert when it tips the detector. */
  async observe(
    kind: AnomalyKind,
    event: EventEnvelope<unknown>,
    sample: Omit<Sample, 'tenantId'>,
  ): Promise<AlertRaisedData | undefined> {
    if (!this.config.anomalyDetection) return undefined;
    const key = `${kind}:${event.id}`;
    let anomaly: Anomaly | undefined;
    if (this.memo.has(key)) {
      anomaly = this.memo.get(key);
    } else {
      anomaly = this.detectors[kind].observe({ ...sample, tenantId: event.tenantid });
      this.memo.set(key, anomaly);
      if (this.memo.size > MEMO_SIZE) this.memo.delete(this.memo.keys().next().value as string);
    }
    if (!anomaly) return undefined;
    const alert = this.toAlert(anomaly);
    this.logger.warn(`${anomaly.severity} ${kind} for tenant ${anomaly.tenantId}: ${alert.message}`);
    await this.publisher.publish(AlertRaised, alert, {
      tenantId: anomaly.tenantId,
      causation: event,
      id: AnomalyAlertIds.alertEvent(alert.alertId),
    });
    return alert;
  }

  private toAlert(a: Anomaly): AlertRaisedData {
    const detector = this.detectors[a.kind] as WindowShiftDetector | BurstDetector;
    return {
      alertId: AnomalyAlertIds.alert(a),
      conversationId: a.conversationId,
      ...(a.turnId === undefined ? {} : { turnId: a.turnId }),
      severity: a.severity,
      kind: a.kind,
      scope: 'tenant',
      message: describe(a),
      evidence: {
        scope: 'tenant',
        statistic: a.statistic,
        baseline: round(a.baseline),
        current: round(a.current),
        threshold: round(a.threshold),
        window: {
          start: new Date(a.windowStart).toISOString(),
          end: new Date(a.windowEnd).toISOString(),
          sampleCount: a.sampleCount,
        },
        baselineCount: a.baselineCount,
        exampleConversationIds: a.exampleConversationIds,
        exampleTurnIds: a.exampleTurnIds,
        detector: detector.options,
      },
      raisedAt: new Date(a.windowEnd).toISOString(),
    };
  }
}
