export {
  buildFineTuningExample,
  feedbackVerdict,
  FEEDBACK_FILTERS,
  SKIP_REASONS,
  type ChatMessage,
  type ExampleFilters,
  type ExampleOutcome,
  type ExportConversation,
  type FeedbackFilter,
  type FilterReason,
  type FineTuningExample,
  type SkipReason,
} from './fine-tuning-example';
export {
  DEFAULT_SYSTEM_PROMPT,
  exportFineTuningData,
  type ExportProgress,
  type ExportSummary,
  type FineTuningExportOptions,
} from './fine-tuning-export';
export {
  ConversationExportRepository,
  DEFAULT_EXPORT_BATCH_SIZE,
  type ConversationExportQuery,
} from './conversation-export.repository';
