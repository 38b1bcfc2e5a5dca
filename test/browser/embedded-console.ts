import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  eventually,
  freePort,
  OtlpReceiver,
  startNodeProcess,
  waitForHttpOk,
  type ServiceProcess,
} from '@lib/testing';

/** The trace viewer the console links each turn to (never contacted: the tests only read the link). */
export const TRACE_VIEWER_URL = 'http://traces.example.test';

/**
 * The real embedded mode (`npm start`'s process, from `dist/`) in a fresh DATA_DIR on free ports: the gateway
 * serving the console at `/console/`, the development tenant with the demo CRM and knowledge base, and its
 * development key (read back from the start banner, as a user would). Traces go to an OTLP receiver, as
 * they would to a collector behind the trace viewer (without one the embedded mode records no trace ids).
 */
export class EmbeddedConsole {
  readonly dataDir = mkdtempSync(join(tmpdir(), 'sales-agent-browser-'));
  readonly adminKey = `admin_${randomBytes(16).toString('hex')}`;
  private readonly devKeyGiven = `sk_dev_${randomBytes(24).toString('base64url')}`;
  private proc?: ServiceProcess;
  readonly otlp = new OtlpReceiver();
  url = '';

  get consoleUrl(): string {
    return `${this.url}/console/`;
  }

  /** The development key, as the start banner prints it. */
  get devKey(): string {
    const banner = this.output();
    if (!banner.includes(this.devKeyGiven)) throw new Error(`no development key in the banner:\n${banner}`);
    return this.devKeyGiven;
  }

  async start(): Promise<void> {
    const port = await freePort();
    const pgPort = await freePort();
    const otlpUrl = await this.otlp.start();
    this.url = `http://127.0.0.1:${port}`;
    this.proc = startNodeProcess('embedded', 'dist/apps/embedded/src/main.js', {
      PORT: String(port),
      DATA_DIR: this.dataDir,
      EMBEDDED_POSTGRES_PORT: String(pgPort),
      DEV_API_KEY: this.devKeyGiven,
      ADMIN_API_KEY: this.adminKey,
      CONSOLE_TRACE_VIEWER_URL: TRACE_VIEWER_URL,
      OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '200',
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
      LOG_LEVEL: 'info',
      DATABASE_URL: '',
      MESSAGING_TRANSPORT: '',
      KAFKA_BROKERS: '',
      ANTHROPIC_API_KEY: '',
    });
    await waitForHttpOk(`${this.url}/health/ready`, 120_000, this.proc);
    // The banner comes once the development tenant and the demo CRM are ready.
    await eventually(
      async () => (this.proc?.output.some((line) => line.includes('Press Ctrl+C')) ? true : undefined),
      60_000,
      'the start banner',
    );
  }

  /** The process's recent output, for failure messages. */
  output(lines = 60): string {
    return this.proc?.output.slice(-lines).join('\n') ?? '';
  }

  async stop(): Promise<number | null> {
    const code = (await this.proc?.stop(30_000)) ?? null;
    await this.otlp.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
    return code;
  }
}
