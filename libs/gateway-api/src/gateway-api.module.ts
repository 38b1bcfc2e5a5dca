import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { loadConfig } from '@lib/config';
import { AccessModule } from '@lib/access';
import { ConversationRecordClient } from '@lib/conversation-record';
import { CrmProposalsClient } from '@lib/tools';
import { AdminController } from './admin/admin.controller';
import { ConversationRepository } from './conversations/conversation.repository';
import { ConversationsController } from './conversations/conversations.controller';
import { ConversationsService } from './conversations/conversations.service';
import { CrmProposalsController } from './crm/crm-proposals.controller';
import { CrmProposalsService } from './crm/crm-proposals.service';
import { ConversationEventHub } from './events/conversation-event-hub';
import { GatewayEventRelay } from './events/gateway-event-relay.controller';
import { GATEWAY_CONFIG, GatewayConfigSchema, type GatewayConfig } from './gateway.config';
import { KnowledgeDocumentsClient } from './knowledge/knowledge-documents.client';
import { KnowledgeDocumentsController } from './knowledge/knowledge-documents.controller';
import { BodyLimitsMiddleware } from './http/body-limits';
import { ProblemDetailsFilter } from './http/problem-details.filter';

/**
 * The gateway: public REST + SSE API, admin API, and the relay of conversation events to SSE clients.
 * Needs, globally (from the runtime): UnitOfWork (DatabaseModule on GATEWAY_DATABASE) and EventPublisher.
 */
@Module({
  imports: [AccessModule],
  controllers: [
    ConversationsController,
    AdminController,
    GatewayEventRelay,
    CrmProposalsController,
    KnowledgeDocumentsController,
  ],
  providers: [
    { provide: GATEWAY_CONFIG, useFactory: () => loadConfig(GatewayConfigSchema) },
    { provide: ConversationEventHub, useFactory: () => new ConversationEventHub() },
    {
      provide: ConversationRecordClient,
      useFactory: (config: GatewayConfig) => new ConversationRecordClient(config.PERSISTENCE_URL),
      inject: [GATEWAY_CONFIG],
    },
    {
      provide: CrmProposalsClient,
      useFactory: (config: GatewayConfig) => new CrmProposalsClient(config.TOOL_RUNNER_URL),
      inject: [GATEWAY_CONFIG],
    },
    {
      provide: KnowledgeDocumentsClient,
      useFactory: (config: GatewayConfig) => new KnowledgeDocumentsClient(config.TOOL_RUNNER_URL),
      inject: [GATEWAY_CONFIG],
    },
    CrmProposalsService,
    ConversationRepository,
    ConversationsService,
    { provide: APP_FILTER, useClass: ProblemDetailsFilter },
  ],
  exports: [ConversationEventHub],
})
export class GatewayApiModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(BodyLimitsMiddleware)
      .forRoutes(
        ConversationsController,
        AdminController,
        CrmProposalsController,
        KnowledgeDocumentsController,
      );
  }
}
