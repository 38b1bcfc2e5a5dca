import { CommonConfigSchema, loadConfig } from '@lib/config';
import { ensureTopics } from '@lib/messaging';
import { exitOnBootFailure, stopOnSignals } from './main-helpers';
import { startService } from './service-app';
import type { ServiceDefinition } from './service-definition';

/**
 * Entry point of a service in its own process (distributed mode): real Kafka and PostgreSQL.
 * Topics are created when missing (idempotent); migrations are applied by `npm run migrate` beforehand
 * unless MIGRATE_ON_BOOT=true.
 */
export function runService(definition: ServiceDefinition): void {
  const boot = async (): Promise<void> => {
    const config = loadConfig(CommonConfigSchema);
    if (config.MESSAGING_TRANSPORT === 'kafka') {
      await ensureTopics(config.KAFKA_BROKERS, {
        partitions: config.KAFKA_TOPIC_PARTITIONS,
        replicationFactor: config.KAFKA_REPLICATION_FACTOR,
      });
    }
    const running = await startService(definition, {
      config,
      migrateOnBoot: process.env.MIGRATE_ON_BOOT === 'true',
    });
    stopOnSignals(running.stop, config.SHUTDOWN_TIMEOUT_MS + 5000);
  };
  boot().catch(exitOnBootFailure(definition.name));
}
