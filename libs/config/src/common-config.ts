import { z } from 'zod';
import { ConfigError, envBoolean, envInt, envList, secret } from './config';

/** Settings every service shares: how it reaches PostgreSQL and the event transport, and how it logs. */
export const CommonConfigSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: z
    .url()
    .default('postgres://postgres@127.0.0.1:5432/sales_agent')
    .describe('PostgreSQL connection string'),
  MESSAGING_TRANSPORT: z.enum(['kafka', 'in-process']).default('kafka'),
  KAFKA_BROKERS: envList('127.0.0.1:19092').describe('Comma-separated bootstrap brokers'),
  KAFKA_CLIENT_ID_PREFIX: z.string().default('sales-agent'),
  KAFKA_CONSUMER_GROUP_PREFIX: z
    .string()
    .default('')
    .describe('Prefix of consumer group ids (groups are named after the service), e.g. per environment'),
  KAFKA_CONSUMER_FROM_BEGINNING: envBoolean(true).describe(
    'Where a consumer starts on a partition without a committed offset: the beginning (no event missed) or ' +
      'the end (events published there while no offset was committed are skipped: development only)',
  ),
  KAFKA_CONSUMER_BATCH_SIZE: envInt(50, 1, 10000).describe(
    'Records of one partition handled in one transaction and one offset commit, for services that consume ' +
      'in batches (persistence); 1 delivers record by record',
  ),
  KAFKA_CONSUMER_BATCH_TRANSACTIONS: envInt(4, 1, 64).describe(
    'Chunk transactions a batched consumer runs at once (chunks whose events lock the same conversation ' +
      'never run at once)',
  ),
  KAFKA_TOPIC_PARTITIONS: envInt(3, 1, 1000),
  KAFKA_REPLICATION_FACTOR: envInt(1, 1, 10),
  MESSAGING_MAX_ATTEMPTS: envInt(4, 1, 20).describe('Handler attempts before a message is dead-lettered'),
  MESSAGING_RETRY_INITIAL_MS: envInt(200, 1),
  MESSAGING_RETRY_MAX_MS: envInt(5000, 1),
  SHUTDOWN_TIMEOUT_MS: envInt(15000, 0),
  INTERNAL_API_TOKEN: secret(z.string().min(32).optional()).describe(
    'Bearer token of the internal APIs (/internal/v1/*: persistence, tool-runner) and what the gateway sends ' +
      'them; the same value on every service. No default: required in production with Kafka, where the ' +
      'services are separate processes on a network (else the internal APIs are open, development only)',
  ),
});
export type CommonConfig = z.infer<typeof CommonConfigSchema>;

/**
 * Boot check: in production with Kafka the services talk over a network, and the internal APIs serve every
 * tenant's data to whoever asks, so a token is required. (One process, in-process transport: no network.)
 */
export function assertInternalApiToken(
  config: Pick<CommonConfig, 'NODE_ENV' | 'MESSAGING_TRANSPORT' | 'INTERNAL_API_TOKEN'>,
): void {
  if (
    config.NODE_ENV === 'production' &&
    config.MESSAGING_TRANSPORT === 'kafka' &&
    !config.INTERNAL_API_TOKEN
  ) {
    throw new ConfigError([
      'INTERNAL_API_TOKEN: required in production with MESSAGING_TRANSPORT=kafka (the same secret of at least ' +
        '32 characters on every service, e.g. `openssl rand -hex 32`)',
    ]);
  }
}
