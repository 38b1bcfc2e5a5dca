import { CommonConfigSchema, loadConfig } from '@lib/config';
import { createServiceDataSource, UnitOfWork } from '@lib/database';
import {
  createKnowledgeServices,
  defaultKnowledgeBaseDir,
  seedDemoCrm,
  TOOL_RUNNER_DATABASE,
} from '@lib/tools';

/**
 * `npm run seed:demo -- <tenantId>`: loads the demo CRM (accounts, contacts, deals, activities) for a tenant
 * into the tool-runner's schema, and ingests the knowledge base (KNOWLEDGE_BASE_DIR, default `data/kb`) for
 * it into the configured vector store. Idempotent. The embedded mode does this for its development tenant.
 */
async function main(): Promise<void> {
  const tenantId = process.argv[2];
  if (!tenantId || !/^[0-9a-f-]{36}$/i.test(tenantId)) {
    throw new Error('usage: npm run seed:demo -- <tenant id (uuid)>');
  }
  const { DATABASE_URL } = loadConfig(CommonConfigSchema);
  const ds = createServiceDataSource(TOOL_RUNNER_DATABASE, {
    url: DATABASE_URL,
    applicationName: 'seed-demo',
  });
  await ds.initialize();
  try {
    await new UnitOfWork(ds).run((manager) => seedDemoCrm(manager, tenantId));
    console.log(`demo CRM seeded for tenant ${tenantId}`);
    const directory = process.env.KNOWLEDGE_BASE_DIR ?? defaultKnowledgeBaseDir();
    const kb = await createKnowledgeServices(new UnitOfWork(ds)).ingestion.ingestFiles(tenantId, {
      paths: [directory],
    });
    console.log(
      `knowledge base ${directory} ingested for tenant ${tenantId}: ${kb.added} added, ${kb.updated} updated, ` +
        `${kb.unchanged} unchanged (${kb.chunks} chunks)`,
    );
  } finally {
    await ds.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(`seed-demo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
