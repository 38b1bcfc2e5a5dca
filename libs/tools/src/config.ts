import { envInt } from '@lib/config';
import { z } from 'zod';

/** The tool-runner's own settings (besides CommonConfig), from the environment. */
export const ToolRunnerConfigSchema = z.object({
  KNOWLEDGE_BASE_DIR: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Knowledge-base directory the embedded mode ingests for its development tenant (default: <repo>/data/kb)',
    ),
  KNOWLEDGE_FAQ_THRESHOLD: z.coerce
    .number()
    .min(0)
    .max(1)
    .default(0.72)
    .describe('faq_lookup answers when the question is at least this similar to a curated one (0-1)'),
  TOOL_TIMEOUT_MS: envInt(5000, 50, 120_000).describe(
    'A tool call still running after this fails with `timeout`',
  ),
  TOOL_RESULT_MAX_BYTES: envInt(32_768, 1024, 1_048_576).describe('Larger tool results are truncated'),
});
export type ToolRunnerConfig = z.infer<typeof ToolRunnerConfigSchema>;
