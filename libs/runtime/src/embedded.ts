import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { z } from 'zod';
import { CommonConfigSchema, envInt, loadConfig } from '@lib/config';
import { UnitOfWork } from '@lib/database';
import { ConsoleSettings, ensureDevelopmentTenant } from '@lib/gateway-api';
import { InProcessEventBus } from '@lib/messaging';
import { defaultKnowledgeBaseDir, KnowledgeIngestion, seedDemoCrm } from '@lib/tools';
import { ensureDatabaseExists } from './database-bootstrap';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from './embedded-postgres';
import { repoRoot } from './paths';
import { startService, type RunningService } from './service-app';
import { ALL_SERVICES } from './services';

const EmbeddedConfigSchema = z.object({
  PORT: envInt(3000, 0, 65535),
  HOST: z.string().default('127.0.0.1'),
  DATA_DIR: z.string().optional().describe('Where embedded data lives; default <repo>/.data'),
  EMBEDDED_POSTGRES_PORT: envInt(54329, 1, 65535),
  DATABASE_URL: z.url().optional().describe('Use this PostgreSQL instead of the embedded one'),
});

export interface EmbeddedSystem {
  readonly gatewayUrl: string;
  readonly developmentApiKey: string;
  readonly services: readonly RunningService[];
  stop(this: void): Promise<void>;
}

/** The development API key: made once, kept in the data dir, so it survives restarts. */
function developmentApiKey(dataDir: string): string {
  if (process.env.DEV_API_KEY) return process.env.DEV_API_KEY;
  const file = join(dataDir, 'dev-api-key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const key = `sk_dev_${randomBytes(24).toString('base64url')}`;
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}

/**
 * The whole system in one process: the five services over the in-process transport, an embedded
 * PostgreSQL, the offline language model. Same code and contracts as the distributed mode.
 */
export async function startEmbeddedSystem(): Promise<EmbeddedSystem> {
  const logger = new Logger('Embedded');
  const embedded = loadConfig(EmbeddedConfigSchema);
  const dataDir = embedded.DATA_DIR ?? join(repoRoot(), '.data');
  mkdirSync(dataDir, { recursive: true });

  let postgres: EmbeddedPostgresHandle | undefined;
  let databaseUrl = embedded.DATABASE_URL;
  if (!databaseUrl) {
    postgres = await startEmbeddedPostgres(join(dataDir, 'postgres'), embedded.EMBEDDED_POSTGRES_PORT);
    databaseUrl = postgres.url;
  } else {
    await ensureDatabaseExists(databaseUrl);
  }
  const config = loadConfig(CommonConfigSchema, {
    ...process.env,
    DATABASE_URL: databaseUrl,
    MESSAGING_TRANSPORT: 'in-process',
  });

  const bus = new InProcessEventBus();
  const services: RunningService[] = [];
  const stop = async (): Promise<void> => {
    // The gateway first (no new turns), then the consumers, then the database.
    for (const service of [...services].reverse()) await service.stop();
    await bus.close();
    await postgres?.stop();
  };

  try {
    for (const definition of ALL_SERVICES) {
      const isGateway = definition.name === 'gateway';
      const running = await startService(definition, {
        config,
        bus,
        migrateOnBoot: true,
        port: isGateway ? embedded.PORT : 0,
        host: embedded.HOST,
        logService: 'embedded',
      });
      services.push(running);
      // The gateway reads conversations through persistence's internal API.
      if (definition.name === 'persistence') process.env.PERSISTENCE_URL = running.url;
      // ... and CRM change proposals through the tool-runner's internal API.
      if (definition.name === 'tool-runner') process.env.TOOL_RUNNER_URL = running.url;
    }
    const gateway = services.find((s) => s.definition.name === 'gateway');
    const toolRunner = services.find((s) => s.definition.name === 'tool-runner');
    if (!gateway || !toolRunner) throw new Error('gateway or tool-runner did not start');

    const apiKey = developmentApiKey(dataDir);
    const tenantId = await ensureDevelopmentTenant(gateway.app.get(UnitOfWork), apiKey);
    // Embedded mode only: the console offers "Use development key" (GET /console/config.json).
    gateway.app.get(ConsoleSettings).developmentApiKey = apiKey;
    const crm = toolRunner.app.get(UnitOfWork);
    await crm.run((manager) => seedDemoCrm(manager, tenantId));
    const kbDir = process.env.KNOWLEDGE_BASE_DIR ?? defaultKnowledgeBaseDir();
    const kb = await toolRunner.app.get(KnowledgeIngestion).ingestFiles(tenantId, { paths: [kbDir] });
    logger.log(
      `development tenant ${tenantId} ready, demo CRM seeded, knowledge base ${kbDir}: ${kb.added} added, ` +
        `${kb.updated} updated, ${kb.unchanged} unchanged`,
    );
    return { gatewayUrl: gateway.url, developmentApiKey: apiKey, services, stop };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}
