import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { loadConfig } from '@lib/config';
import { AccessModule } from '@lib/access';
import {
  ConversationAlertsClient,
  ConversationAnalyticsClient,
  ConversationRecordClient,
} from '@lib/conversation-record';
import { CrmProposalsClient, CrmProspectsClient } from '@lib/tools';
import { AdminController } from './admin/admin.controller';
import { AlertsController, AlertsProxy } from './alerts/alerts.controller';
import { AnalyticsApiController, ConversationSearchController } from './analytics/analytics.controller';
import { AnalyticsProxy } from './analytics/analytics.service';
import {
  PromptVersionsAdminController,
  PromptVersionsApiController,
} from './analytics/prompt-versions.controller';
import { ConsoleController } from './console/console.controller';
import { ConsoleSettings } from './console/console-settings';
import { ConversationEndController } from './conversation-end/conversation-end.controller';
import { ConversationEnding } from './conversation-end/conversation-end.service';
import { ConversationRepository } from './conversations/conversation.repository';
import { ConversationsController } from './conversations/conversations.controller';
import { ConversationsService } from './conversations/conversations.service';
import { CrmProposalsController } from './crm/crm-proposals.controller';
import { CrmProposalsService } from './crm/crm-proposals.service';
import { CrmProspectsController, CrmProspectsService } from './crm-prospects/crm-prospects.controller';
import { ConversationDeletion } from './deletion/conversation-deletion.service';
import { DeletedConversationsRepository } from './deletion/deleted-conversations.repository';
import { ConversationEventHub } from './events/conversation-event-hub';
import { GatewayEventRelay } from './events/gateway-event-relay.controller';
import { GATEWAY_CONFIG, GatewayConfigSchema, type GatewayConfig } from './gateway.config';
import { KnowledgeDocumentsClient } from './knowledge/knowledge-documents.client';
import { KnowledgeDocumentsController } from './knowledge/knowledge-documents.controller';
import { BodyLimitsMiddleware } from './http/body-limits';
import { ProblemDetailsFilter } from './http/problem-details.filter';
import { RetentionRepository } from './retention/retention.repository';
import { RetentionSweeper } from './retention/retention-sweeper';

/**
 * The gateway: public REST + SSE API, admin API, and the relay of conversation events to SSE clients.
 * Needs, globally (from the runtime): UnitOfWork (DatabaseModule on GATEWAY_DATABASE) and EventPublisher.
 */
@Module({
  imports: [AccessModule],
  controllers: [
    ConversationsController,
    ConversationEndController,
    AdminController,
    GatewayEventRelay,
    CrmProposalsController,
    CrmProspectsController,
    KnowledgeDocumentsController,
    ConversationSearchController,
    AnalyticsApiController,
    PromptVersionsApiController,
    PromptVersionsAdminController,
    AlertsController,
    ConsoleController,
  ],
  providers: [
    { provide: GATEWAY_CONFIG, useFactory: () => loadConfig(GatewayConfigSchema) },
    { provide: ConversationEventHub, useFactory: () => new ConversationEventHub() },
    {
      provide: ConversationRecordClient,
      useFactory: (config: GatewayConfig) =>
        new ConversationRecordClient(config.PERSISTENCE_URL, { token: config.INTERNAL_API_TOKEN }),
      inject: [GATEWAY_CONFIG],
    },
    {
      provide: ConversationAnalyticsClient,
      useFactory: (config: GatewayConfig) =>
        new ConversationAnalyticsClient(config.PERSISTENCE_URL, { token: config.INTERNAL_API_TOKEN }),
      inject: [GATEWAY_CONFIG],
    },
    AnalyticsProxy,
    {
      provide: ConversationAlertsClient,
      useFactory: (config: GatewayConfig) =>
        new ConversationAlertsClient(config.PERSISTENCE_URL, { token: config.INTERNAL_API_TOKEN }),
      inject: [GATEWAY_CONFIG],
    },
    AlertsProxy,
    {
      provide: CrmProposalsClient,
      useFactory: (config: GatewayConfig) =>
        new CrmProposalsClient(config.TOOL_RUNNER_URL, { token: config.INTERNAL_API_TOKEN }),
      inject: [GATEWAY_CONFIG],
    },
    {
      provide: CrmProspectsClient,
      useFactory: (config: GatewayConfig) =>
        new CrmProspectsClient(config.TOOL_RUNNER_URL, { token: config.INTERNAL_API_TOKEN }),
      inject: [GATEWAY_CONFIG],
    },
    CrmProspectsService,
    {
      provide: KnowledgeDocumentsClient,
      useFactory: (config: GatewayConfig) =>
        new KnowledgeDocumentsClient(config.TOOL_RUNNER_URL, { token: config.INTERNAL_API_TOKEN }),
      inject: [GATEWAY_CONFIG],
    },
    CrmProposalsService,
    ConversationRepository,
    ConversationsService,
    DeletedConversationsRepository,
    ConversationDeletion,
    ConversationEnding,
    RetentionRepository,
    RetentionSweeper,
    { provide: ConsoleSettings, useFactory: () => new ConsoleSettings() },
    { provide: APP_FILTER, useClass: ProblemDetailsFilter },
  ],
  exports: [ConversationEventHub, ConversationDeletion, RetentionSweeper, ConsoleSettings],
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
