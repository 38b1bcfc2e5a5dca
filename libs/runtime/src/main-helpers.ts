import { Logger } from '@nestjs/common';
import { shutdownTelemetry } from '@lib/telemetry';

/**
 * Stops on SIGTERM/SIGINT: `stop` finishes in-flight work; a second signal or the timeout exits at once.
 * Exit codes: 0 after a clean stop, 1 when stopping failed or timed out.
 */
export function stopOnSignals(stop: () => Promise<void>, timeoutMs: number): void {
  const logger = new Logger('Shutdown');
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn(`${signal} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    logger.log(`${signal} received: finishing in-flight work`);
    const timer = setTimeout(() => {
      logger.error(`shutdown took longer than ${timeoutMs} ms: exiting`);
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    stop()
      .then(() => shutdownTelemetry())
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        logger.error(`shutdown failed: ${String(error)}`);
        process.exit(1);
      });
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}

/** Logs a boot failure readably (a ConfigError lists every bad variable) and exits 1. */
export function exitOnBootFailure(service: string): (error: unknown) => never {
  return (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(
      `${JSON.stringify({ level: 'fatal', service, message: `failed to start: ${message}` })}\n`,
    );
    process.exit(1);
  };
}
