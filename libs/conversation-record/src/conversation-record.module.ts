import { Module } from '@nestjs/common';
import { loadConfig } from '@lib/config';
import { AlertListRepository, AlertsController, AlertsReader } from './alerts';
import { AnalyticsController } from './analytics/analytics.controller';
import { AnalyticsReader } from './analytics/analytics-reader.service';
import { AnalyticsRepository } from './analytics/analytics.repository';
import {
  PromptVersionsAllTenantsController,
  PromptVersionsController,
} from './analytics/prompt-versions.controller';
import { PromptVersionsReader } from './analytics/prompt-versions.reader';
import { ConversationEvaluationEventsController } from './conversation-evaluation/conversation-evaluation-events.controller';
import { ConversationEvaluationRecorder } from './conversation-evaluation/conversation-evaluation-recorder.service';
import { ConversationDeletedController } from './deletion/conversation-deleted.controller';
import { ConversationDeletionService } from './deletion/conversation-deletion.service';
import { DeletedConversations } from './deletion/deleted-conversations';
import { ConversationEventsController } from './recording/conversation-events.controller';
import { ConversationRecorder } from './recording/conversation-recorder.service';
import {
  INTERACTION_LOG_CONFIG,
  InteractionLog,
  InteractionLogConfigSchema,
} from './recording/interaction-log';
import { CrmChangeRecorder } from './recording/crm-change-recorder.service';
import { ConversationReadController } from './reading/conversation-read.controller';
import { ConversationReader } from './reading/conversation-reader.service';
import { ConversationSnapshots } from './state/conversation-snapshots';
import {
  AlertRepository,
  AnalysisRepository,
  ConversationFeedbackRepository,
  ConversationProgressRepository,
  ConversationRepository,
  CrmChangeRepository,
  CrmRefsRepository,
  EvaluationRepository,
  FeedbackRepository,
  ReplyRepository,
  ToolCallRepository,
  TurnFailureRepository,
  TurnRepository,
} from './repositories';

/**
 * The persistence service: event handlers that store every conversation event, and the internal read API.
 * Needs `UnitOfWork` from the (global) DatabaseModule the runtime provides.
 */
@Module({
  controllers: [
    ConversationEventsController,
    ConversationReadController,
    ConversationDeletedController,
    ConversationEvaluationEventsController,
    AnalyticsController,
    AlertsController,
    PromptVersionsController,
    PromptVersionsAllTenantsController,
  ],
  providers: [
    { provide: INTERACTION_LOG_CONFIG, useFactory: () => loadConfig(InteractionLogConfigSchema) },
    InteractionLog,
    AnalyticsReader,
    AlertsReader,
    AlertListRepository,
    AnalyticsRepository,
    PromptVersionsReader,
    ConversationDeletionService,
    ConversationEvaluationRecorder,
    DeletedConversations,
    ConversationSnapshots,
    ConversationRecorder,
    ConversationReader,
    ConversationRepository,
    TurnRepository,
    AnalysisRepository,
    ToolCallRepository,
    ReplyRepository,
    TurnFailureRepository,
    EvaluationRepository,
    FeedbackRepository,
    ConversationFeedbackRepository,
    AlertRepository,
    CrmChangeRecorder,
    CrmChangeRepository,
    ConversationProgressRepository,
    CrmRefsRepository,
  ],
  exports: [ConversationRecorder, ConversationReader],
})
export class ConversationRecordModule {}
