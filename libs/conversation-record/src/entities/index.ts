import { AlertEntity } from './alert.entity';
import {
  AnalysisEntityMentionEntity,
  AnalysisIntentEntity,
  AnalysisObjectionEntity,
  StageTransitionEntity,
} from './analysis-facts.entity';
import { AnalysisEntity } from './analysis.entity';
import { ConversationFeedbackEntity } from './conversation-feedback.entity';
import { ConversationEntity } from './conversation.entity';
import { CrmChangeEntity } from './crm-change.entity';
import { EvaluationEntity } from './evaluation.entity';
import { FeedbackEntity } from './feedback.entity';
import { ReplyEntity } from './reply.entity';
import { ToolCallEntity } from './tool-call.entity';
import { TurnFailureEntity } from './turn-failure.entity';
import { TurnEntity } from './turn.entity';

export * from './alert.entity';
export * from './analysis-facts.entity';
export * from './analysis.entity';
export * from './conversation-feedback.entity';
export * from './conversation.entity';
export * from './crm-change.entity';
export * from './evaluation.entity';
export * from './feedback.entity';
export * from './reply.entity';
export * from './tool-call.entity';
export * from './turn-failure.entity';
export * from './turn.entity';

export const CONVERSATION_RECORD_ENTITIES = [
  ConversationEntity,
  TurnEntity,
  AnalysisEntity,
  ToolCallEntity,
  ReplyEntity,
  TurnFailureEntity,
  EvaluationEntity,
  FeedbackEntity,
  ConversationFeedbackEntity,
  AlertEntity,
  CrmChangeEntity,
  AnalysisIntentEntity,
  AnalysisEntityMentionEntity,
  AnalysisObjectionEntity,
  StageTransitionEntity,
];
