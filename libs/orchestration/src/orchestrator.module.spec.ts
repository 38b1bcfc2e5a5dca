import { Global, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { UnitOfWork } from '@lib/database';
import { EventPublisher } from '@lib/messaging';
import { LanguageModel } from './model/language-model';
import { OfflineLanguageModel } from './offline/offline-language-model';
import { orchestratorService } from './orchestrator.module';
import { TurnWorkflow } from './workflow/turn-workflow.service';

/** Stands in for the runtime's global DatabaseModule and MessagingModule. */
@Global()
@Module({
  providers: [
    { provide: UnitOfWork, useValue: {} },
    { provide: EventPublisher, useValue: {} },
  ],
  exports: [UnitOfWork, EventPublisher],
})
class RuntimeStandIn {}

describe('orchestratorService', () => {
  it('describes the service and its module resolves with only the runtime providers', async () => {
    expect(orchestratorService).toMatchObject({
      name: 'orchestrator',
      defaultPort: 3101,
      delivery: 'shared',
    });
    expect(orchestratorService.database.schema).toBe('orchestrator');
    @Module({ imports: [RuntimeStandIn, orchestratorService.module] })
    class App {}
    const app = await NestFactory.createApplicationContext(App, { logger: false });
    try {
      expect(app.get(TurnWorkflow)).toBeInstanceOf(TurnWorkflow);
      expect(app.get(LanguageModel)).toBeInstanceOf(OfflineLanguageModel);
    } finally {
      await app.close();
    }
  });
});
