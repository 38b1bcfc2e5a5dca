import { createHmac } from 'node:crypto';
import { Controller, Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { ExponentialBackoff, handleWhen, retry, type RetryPolicy } from 'cockatiel';
import { AlertRaised, type AlertRaisedData, type EnvelopeOf } from '@lib/contracts';
import { UnitOfWork } from '@lib/database';
import { OnEvent } from '@lib/messaging';
import { MONITORING_CONFIG, type AlertWebhookConfig, type MonitoringConfig } from './monitoring.config';

export const ALERT_SIGNATURE_HEADER = 'x-alert-signature';
export const ALERT_TIMESTAMP_HEADER = 'x-alert-timestamp';

/** The JSON body POSTed for each alert. */
export interface AlertWebhookBody {
  readonly type: 'alert.raised';
  readonly eventId: string;
  readonly tenantId: string;
  readonly alert: AlertRaisedData;
}

/** `sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`: what a receiver recomputes to verify. */
export function signAlertBody(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

class WebhookAttemptError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'WebhookAttemptError';
  }
}

/**
 * Posts alerts to `ALERT_WEBHOOK_URL`: one POST per alert, a timeout per attempt, bounded retries with
 * exponential backoff (cockatiel) on network errors, timeouts, 429 and 5xx. Never throws and never blocks the
 * event handler (deliveries run in the background; shutdown waits for them, bounded). The secret is never
 * logged.
 */
@Injectable()
export class AlertWebhook implements OnApplicationShutdown {
  private readonly logger = new Logger(AlertWebhook.name);
  private readonly pending = new Set<Promise<boolean>>();
  private readonly config: AlertWebhookConfig | undefined;
  private readonly policy: RetryPolicy | undefined;

  constructor(@Inject(MONITORING_CONFIG) monitoring: MonitoringConfig) {
    this.config = monitoring.webhook;
    this.policy = this.config
      ? retry(
          handleWhen((e) => e instanceof WebhookAttemptError && e.retryable),
          {
            maxAttempts: this.config.maxRetries,
            backoff: new ExponentialBackoff({ initialDelay: this.config.initialDelayMs, maxDelay: 10_000 }),
          },
        )
      : undefined;
  }

  get enabled(): boolean {
    return this.config !== undefined;
  }

  /**
   * Whether an alert is worth posting: the webhook is on and the alert is recent (a consumer group reading the
   * alerts topic from the beginning, on a first deployment, must not post the whole history).
   */
  accepts(alert: AlertRaisedData, now = Date.now()): boolean {
    if (!this.config) return false;
    return this.config.maxAgeMs === 0 || now - Date.parse(alert.raisedAt) <= this.config.maxAgeMs;
  }

  /** Starts delivering in the background; the promise (also tracked for shutdown) says if it got through. */
  dispatch(body: AlertWebhookBody): Promise<boolean> {
    const delivery = this.deliver(body);
    this.pending.add(delivery);
    void delivery.finally(() => this.pending.delete(delivery));
    return delivery;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.pending.size === 0 || !this.config) return;
    const bound = this.config.timeoutMs * (this.config.maxRetries + 1);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.pending]),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, bound);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
  }

  private async deliver(body: AlertWebhookBody): Promise<boolean> {
    const config = this.config;
    const policy = this.policy;
    if (!config || !policy) return false;
    const text = JSON.stringify(body);
    const alertId = body.alert.alertId;
    try {
      await policy.execute(async ({ attempt }) => {
        const timestamp = Math.floor(Date.now() / 1000).toString();
        const headers: Record<string, string> = {
          'content-type': 'application/json',
          'user-agent': 'sales-assistant-evaluator',
          'x-alert-id': alertId,
          [ALERT_TIMESTAMP_HEADER]: timestamp,
        };
        if (config.secret) headers[ALERT_SIGNATURE_HEADER] = signAlertBody(config.secret, timestamp, text);
        let status: number;
        try {
          const response = await fetch(config.url, {
            method: 'POST',
            headers,
            body: text,
            signal: AbortSignal.timeout(config.timeoutMs),
          });
          status = response.status;
          await response.arrayBuffer().catch(() => undefined);
        } catch (error) {
          const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
          this.logger.warn(`alert ${alertId} webhook attempt ${attempt + 1} failed: ${String(error)}`);
          throw new WebhookAttemptError(
            timedOut ? `no answer within ${config.timeoutMs} ms` : String(error),
            true,
          );
        }
        if (status >= 200 && status < 300) return;
        this.logger.warn(`alert ${alertId} webhook attempt ${attempt + 1}: HTTP ${status}`);
        throw new WebhookAttemptError(`HTTP ${status}`, status === 429 || status >= 500 || status === 408);
      });
      return true;
    } catch (error) {
      this.logger.error(`alert ${alertId} not delivered to the webhook: ${String(error)}`);
      return false;
    }
  }
}

/**
 * Posts every `alert.raised` (the evaluator's own and any other service's) once: this consumer group's inbox
 * skips redelivered alert events, and the POST starts only after the unit of work that recorded the inbox
 * row committed. A crash between the commit and the POST loses that delivery (at most once per alert); the
 * alert itself is stored by persistence and listed by the API either way.
 */
@Controller()
export class AlertWebhookController {
  constructor(
    private readonly webhook: AlertWebhook,
    private readonly uow: UnitOfWork,
  ) {}

  @OnEvent(AlertRaised)
  onAlertRaised(@Payload() event: EnvelopeOf<typeof AlertRaised>): Promise<void> {
    if (!this.webhook.accepts(event.data)) return Promise.resolve();
    const body: AlertWebhookBody = {
      type: 'alert.raised',
      eventId: event.id,
      tenantId: event.tenantid,
      alert: event.data,
    };
    this.uow.afterCommit(() => void this.webhook.dispatch(body));
    return Promise.resolve();
  }
}
