import { randomBytes } from 'node:crypto';
import { open, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { DataSource } from 'typeorm';
import {
  addRedactionCounts,
  emptyRedactionCounts,
  NameList,
  PiiRedactor,
  type RedactionCounts,
} from '@lib/privacy';
import { ConversationExportRepository, type ConversationExportQuery } from './conversation-export.repository';
import {
  buildFineTuningExample,
  SKIP_REASONS,
  type ExampleFilters,
  type FilterReason,
  type SkipReason,
} from './fine-tuning-example';

/** The system message when none is given: what the assistant is for, without tenant specifics. */
export const DEFAULT_SYSTEM_PROMPT =
  'You are a sales assistant talking with a prospect on behalf of the sales team. Answer accurately and ' +
  'concisely, rely only on facts you know to be true, address objections honestly, and move the ' +
  'conversation towards a clear next step.';

export interface FineTuningExportOptions extends Omit<ConversationExportQuery, 'batchSize'> {
  /** The JSONL file to write (replaced atomically: written to a temporary file, then renamed). */
  readonly out: string;
  readonly filters: ExampleFilters;
  /** Default `DEFAULT_SYSTEM_PROMPT`; an empty string writes no system message. */
  readonly systemPrompt?: string;
  readonly batchSize?: number;
  /** Redact the names of the tenant's CRM contacts when their table is readable (default true). */
  readonly crmContactNames?: boolean;
  /** Called after each batch. */
  readonly onProgress?: (progress: ExportProgress) => void;
}

export interface ExportProgress {
  /** Conversations read so far, of `total` (counted at the start). */
  readonly done: number;
  readonly total: number;
  readonly exported: number;
  readonly elapsedMs: number;
}

export interface ExportSummary {
  readonly out: string;
  /** Conversations matching the tenant and time filters when the export started. */
  readonly total: number;
  readonly scanned: number;
  readonly exported: number;
  readonly skipped: Record<SkipReason, number>;
  /** Exported examples cut before an answer that failed the filters, by filter. */
  readonly truncated: Record<FilterReason, number>;
  readonly messages: { readonly system: number; readonly user: number; readonly assistant: number };
  readonly redactions: RedactionCounts;
  /** Whether the tenant's CRM contact names were redacted (their table was readable). */
  readonly crmContactNames: boolean;
  readonly seconds: number;
}

const FLUSH_BYTES = 1 << 20;

/** Appends lines to a temporary file beside `target`; `commit` syncs and renames it over the target. */
class AtomicLineWriter {
  private buffer: string[] = [];
  private buffered = 0;

  private constructor(
    private readonly handle: FileHandle,
    private readonly temp: string,
    private readonly target: string,
  ) {}

  static async open(target: string): Promise<AtomicLineWriter> {
    const full = resolve(target);
    const temp = join(
      dirname(full),
      `.${basename(full)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
    );
    return new AtomicLineWriter(await open(temp, 'wx'), temp, full);
  }

  async write(line: string): Promise<void> {
    this.buffer.push(line, '\n');
    this.buffered += line.length + 1;
    if (this.buffered >= FLUSH_BYTES) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const chunk = this.buffer.join('');
    this.buffer = [];
    this.buffered = 0;
    await this.handle.write(chunk);
  }

  async commit(): Promise<void> {
    await this.flush();
    await this.handle.sync();
    await this.handle.close();
    await rename(this.temp, this.target);
  }

  async abort(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await unlink(this.temp).catch(() => undefined);
  }
}

const countsOf = <K extends string>(keys: readonly K[]): Record<K, number> =>
  Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

/**
 * Exports the conversations of the persistence schema as chat fine-tuning examples, one JSON object per line
 * (see `buildFineTuningExample` for the mapping, the filters and the redaction). Reads in keyset-paginated
 * batches, writes through a buffer: memory stays bounded by one batch. The output file appears only when the
 * export succeeded.
 */
export async function exportFineTuningData(
  dataSource: DataSource,
  options: FineTuningExportOptions,
): Promise<ExportSummary> {
  const started = Date.now();
  const outDir = dirname(resolve(options.out));
  const dir = await stat(outDir).catch(() => undefined);
  if (!dir?.isDirectory()) throw new Error(`the output directory ${outDir} does not exist`);

  const repository = new ConversationExportRepository(dataSource);
  const query: ConversationExportQuery = {
    tenantId: options.tenantId,
    since: options.since,
    until: options.until,
    batchSize: options.batchSize,
  };
  const useCrm = options.crmContactNames !== false && (await repository.crmContactsReadable());
  const total = await repository.count(query);
  const systemPrompt = options.systemPrompt ?? DEFAULT_SYSTEM_PROMPT;
  const redactor = new PiiRedactor();

  const skipped = countsOf(SKIP_REASONS);
  const truncated = countsOf<FilterReason>(['groundedness', 'feedback', 'prompt_version']);
  const messages = { system: 0, user: 0, assistant: 0 };
  const redactions = emptyRedactionCounts();
  let scanned = 0;
  let exported = 0;
  let tenantNames: { tenantId: string; names: NameList } | undefined;

  const writer = await AtomicLineWriter.open(options.out);
  try {
    for await (const batch of repository.batches(query)) {
      for (const conversation of batch) {
        scanned += 1;
        if (useCrm && tenantNames?.tenantId !== conversation.tenantId) {
          const names = await repository.crmContactNames(conversation.tenantId);
          tenantNames = { tenantId: conversation.tenantId, names: NameList.of(names ?? []) };
        }
        const outcome = buildFineTuningExample(conversation, {
          filters: options.filters,
          systemPrompt,
          tenantNames: tenantNames?.names,
          redactor,
        });
        if (outcome.kind === 'skipped') {
          skipped[outcome.reason] += 1;
          continue;
        }
        exported += 1;
        if (outcome.truncatedBy) truncated[outcome.truncatedBy] += 1;
        for (const m of outcome.example.messages) messages[m.role] += 1;
        addRedactionCounts(redactions, outcome.redactions);
        await writer.write(JSON.stringify(outcome.example));
      }
      options.onProgress?.({ done: scanned, total, exported, elapsedMs: Date.now() - started });
    }
    await writer.commit();
  } catch (error) {
    await writer.abort();
    throw error;
  }

  return {
    out: resolve(options.out),
    total,
    scanned,
    exported,
    skipped,
    truncated,
    messages,
    redactions,
    crmContactNames: useCrm,
    seconds: (Date.now() - started) / 1000,
  };
}
