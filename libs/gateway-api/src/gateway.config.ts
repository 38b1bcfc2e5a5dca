import { z } from 'zod';
import { CommonConfigSchema, envInt } from '@lib/config';
import { AccessConfigSchema } from '@lib/access';

/** The gateway's own settings (environment variables), besides the runtime's common ones. */
export const GatewayConfigSchema = AccessConfigSchema.extend({
  PERSISTENCE_URL: z
    .url()
    .default('http://127.0.0.1:3103')
    .describe("Base URL of the persistence service's internal read API"),
  TOOL_RUNNER_URL: z
    .url()
    .default('http://127.0.0.1:3102')
    .describe("Base URL of the tool-runner's internal CRM proposals API"),
  /** The runtime's (`@lib/config`): sent to persistence's and the tool-runner's internal APIs. */
  INTERNAL_API_TOKEN: CommonConfigSchema.shape.INTERNAL_API_TOKEN,
  MAX_WAIT_SECONDS: envInt(30, 0, 30).describe('Upper bound of ?wait on turn submission'),
  SSE_HEARTBEAT_SECONDS: envInt(15, 1, 300).describe('Interval of the SSE keep-alive comment'),
  RETENTION_SWEEP_INTERVAL_MS: envInt(3_600_000, 0, 7 * 24 * 3_600_000)
    .refine((ms) => ms === 0 || ms >= 1000, 'must be 0 (no sweep) or at least 1000')
    .describe('How often conversations past their tenant retention period are deleted; 0: never'),
  CONSOLE_TRACE_VIEWER_URL: z
    .url({ protocol: /^https?$/ })
    .optional()
    .describe(
      'Base URL of a trace viewer (e.g. Jaeger): the console links each turn to <url>/trace/<traceId>',
    ),
  RETENTION_SWEEP_BATCH: envInt(500, 1, 10_000).describe('Most conversations one retention sweep deletes'),
});
export type GatewayConfig = z.infer<typeof GatewayConfigSchema>;

export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
