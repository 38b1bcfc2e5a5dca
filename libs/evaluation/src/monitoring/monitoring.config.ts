import { z } from 'zod';
import { envBoolean, envInt, loadConfig, secret } from '@lib/config';

/** Anomaly detection and the alert webhook (part of the evaluator's configuration). */
export const MonitoringConfigSchema = z.object({
  EVALUATOR_ANOMALY_DETECTION: envBoolean(true).describe(
    'Run the anomaly detectors (error rate, latency p95, groundedness, satisfaction, CRM write bursts)',
  ),
  EVALUATOR_ANOMALY_COOLDOWN_MS: envInt(900_000, 0, 86_400_000).describe(
    'After an anomaly alert, a new incident of the same kind and tenant starting within this is not raised',
  ),
  EVALUATOR_ANOMALY_STATE_SAVE_MS: envInt(60_000, 0, 86_400_000).describe(
    "Saves the detectors' state (baselines, incidents) to PostgreSQL this often, and at shutdown; 0: only at shutdown",
  ),
  ALERT_WEBHOOK_URL: z.url().optional().describe('POST every alert.raised here (JSON) when set'),
  ALERT_WEBHOOK_SECRET: secret(z.string().min(16).optional()).describe(
    'Signs the webhook body: X-Alert-Signature: sha256=HMAC-SHA256(secret, "<timestamp>.<body>")',
  ),
  ALERT_WEBHOOK_TIMEOUT_MS: envInt(5_000, 100, 60_000).describe('Per webhook attempt'),
  ALERT_WEBHOOK_MAX_RETRIES: envInt(3, 0, 10).describe(
    'Webhook retries after the first attempt (network errors, timeouts, 429, 5xx)',
  ),
  ALERT_WEBHOOK_MAX_AGE_MS: envInt(3_600_000).describe(
    'Alerts raised longer ago than this are not posted (a replay of old alert events); 0: no limit',
  ),
});

export interface AlertWebhookConfig {
  readonly url: string;
  /** Never logged. */
  readonly secret?: string;
  readonly timeoutMs: number;
  readonly maxRetries: number;
  /** Alerts raised longer ago are not posted; 0: no limit. */
  readonly maxAgeMs: number;
  /** First retry delay (doubles, with jitter, up to 10 s). */
  readonly initialDelayMs: number;
}

export interface MonitoringConfig {
  readonly anomalyDetection: boolean;
  readonly cooldownMs: number;
  /** Period of the detector state saves (also saved at shutdown, loaded at boot); 0: only at shutdown. */
  readonly stateSaveMs: number;
  readonly webhook?: AlertWebhookConfig;
}

export const MONITORING_CONFIG = Symbol('MONITORING_CONFIG');

export function loadMonitoringConfig(env: NodeJS.ProcessEnv = process.env): MonitoringConfig {
  const c = loadConfig(MonitoringConfigSchema, env);
  return Object.freeze({
    anomalyDetection: c.EVALUATOR_ANOMALY_DETECTION,
    cooldownMs: c.EVALUATOR_ANOMALY_COOLDOWN_MS,
    stateSaveMs: c.EVALUATOR_ANOMALY_STATE_SAVE_MS,
    ...(c.ALERT_WEBHOOK_URL === undefined
      ? {}
      : {
          webhook: Object.freeze({
            url: c.ALERT_WEBHOOK_URL,
            ...(c.ALERT_WEBHOOK_SECRET === undefined ? {} : { secret: c.ALERT_WEBHOOK_SECRET }),
            timeoutMs: c.ALERT_WEBHOOK_TIMEOUT_MS,
            maxRetries: c.ALERT_WEBHOOK_MAX_RETRIES,
            maxAgeMs: c.ALERT_WEBHOOK_MAX_AGE_MS,
            initialDelayMs: 500,
          }),
        }),
  });
}
