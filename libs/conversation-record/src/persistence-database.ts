import { messagingTablesMigration, type ServiceDatabase } from '@lib/database';
import { CONVERSATION_RECORD_ENTITIES } from './entities';
import { CreateConversationRecord1764000003000 } from './migrations/1764000003000-create-conversation-record';
import { AddReplyUsage1764000004000 } from './migrations/1764000004000-add-reply-usage';
import { CreateCrmChanges1764000005000 } from './migrations/1764000005000-create-crm-changes';
import { ExtendRecordForAnalytics1764000006000 } from './migrations/1764000006000-extend-record-for-analytics';
import { AnalyticsIndexes1764000006800 } from './migrations/1764000006800-analytics-indexes';
import { ConversationDeletion1764000007100 } from './migrations/1764000007100-conversation-deletion';
import { EvaluationPolicy1764000008100 } from './migrations/1764000008100-evaluation-policy';
import { FeedbackTraces1764000008200 } from './migrations/1764000008200-feedback-traces';
import { ConversationEvaluations1764000008300 } from './migrations/1764000008300-conversation-evaluations';
import { AnalysisRoles1764000008400 } from './migrations/1764000008400-analysis-roles';
import { ConversationEvaluationEntity } from './conversation-evaluation/conversation-evaluation.entity';
import { PERSISTENCE_SCHEMA } from './schema';

/** The persistence service's database: inbox/outbox first, then the conversation record. */
export const PERSISTENCE_DATABASE: ServiceDatabase = {
  schema: PERSISTENCE_SCHEMA,
  entities: [...CONVERSATION_RECORD_ENTITIES, ConversationEvaluationEntity],
  migrations: [
    messagingTablesMigration(PERSISTENCE_SCHEMA),
    CreateConversationRecord1764000003000,
    AddReplyUsage1764000004000,
    CreateCrmChanges1764000005000,
    ExtendRecordForAnalytics1764000006000,
    AnalyticsIndexes1764000006800,
    ConversationDeletion1764000007100,
    EvaluationPolicy1764000008100,
    FeedbackTraces1764000008200,
    ConversationEvaluations1764000008300,
    AnalysisRoles1764000008400,
  ],
};
