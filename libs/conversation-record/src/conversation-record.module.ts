import { Module } from '@nestjs/common';
import { ConversationEventsController } from './recording/conversation-events.controller';
import { ConversationRecorder } from './recording/conversation-recorder.service';
import { CrmChangeRecorder } from './recording/crm-change-recorder.service';
import { ConversationReadController } from './reading/conversation-read.controller';
import { ConversationReader } from './reading/conversation-reader.service';
import {
  AlertRepository,
  AnalysisRepository,
  ConversationRepository,
  CrmChangeRepository,
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
  controllers: [ConversationEventsController, ConversationReadController],
  providers: [
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
    AlertRepository,
    CrmChangeRecorder,
    CrmChangeRepository,
  ],
  exports: [ConversationRecorder, ConversationReader],
})
export class ConversationRecordModule {}
