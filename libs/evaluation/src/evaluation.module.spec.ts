import { Global, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { UnitOfWork } from '@lib/database';
import { EventPublisher } from '@lib/messaging';
import { evaluatorService } from './evaluation.module';
import { ReplyEvaluator } from './reply-evaluator.service';

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

describe('evaluatorService', () => {
  it('describes the service and its module resolves with only the runtime providers', async () => {
    expect(evaluatorService).toMatchObject({ name: 'evaluator', defaultPort: 3104, delivery: 'shared' });
    expect(evaluatorService.database.schema).toBe('evaluator');
    @Module({ imports: [RuntimeStandIn, evaluatorService.module] })
    class App {}
    const app = await NestFactory.createApplicationContext(App, { logger: false });
    try {
      expect(app.get(ReplyEvaluator)).toBeInstanceOf(ReplyEvaluator);
    } finally {
      await app.close();
    }
  });
});
