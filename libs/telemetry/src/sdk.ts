import { diag, DiagConsoleLogger, DiagLogLevel } from '@opentelemetry/api';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { KafkaJsInstrumentation } from '@opentelemetry/instrumentation-kafkajs';
import { NestInstrumentation } from '@opentelemetry/instrumentation-nestjs-core';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { NoopSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

import { createMetricReaders, resetMetricReaders } from './metric-readers';

let sdk: NodeSDK | undefined;

/**
 * Starts OpenTelemetry. Call it first in a service's entry point, before NestJS, express, pg, kafkajs or
 * pino are loaded, so their instrumentations can patch them. Exporters come from the standard variables
 * (`OTEL_TRACES_EXPORTER`, `OTEL_METRICS_EXPORTER`, `OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_PROTOCOL`, ...),
 * the service name from `OTEL_SERVICE_NAME` or `serviceName`. Metrics go to OTLP (unless
 * `OTEL_METRICS_EXPORTER=none`) and are always served in Prometheus format by the service's own HTTP server
 * (`GET /metrics`, see `handleMetricsRequest`). `OTEL_SDK_DISABLED=true` turns it all off.
 *
 * Privacy: no instrumentation here records message bodies, SQL parameters or HTTP bodies.
 */
export function startTelemetry(serviceName: string): void {
  if (sdk || process.env.OTEL_SDK_DISABLED === 'true') return;
  if (process.env.OTEL_LOG_LEVEL === 'debug') diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.DEBUG);
  sdk = new NodeSDK({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: process.env.OTEL_SERVICE_NAME ?? serviceName,
      [ATTR_SERVICE_VERSION]: process.env.npm_package_version ?? '0.1.0',
    }),
    instrumentations: [
      new HttpInstrumentation({
        // Health probes and metric scrapes would drown the traces that matter.
        ignoreIncomingRequestHook: (req) => /^\/(health|metrics)(\/|\?|$)/.test(req.url ?? ''),
      }),
      new ExpressInstrumentation(),
      new NestInstrumentation(),
      new PgInstrumentation({ enhancedDatabaseReporting: false }),
      new KafkaJsInstrumentation(),
      new PinoInstrumentation(),
    ],
    metricReaders: createMetricReaders(),
    // Without an exporter (`OTEL_TRACES_EXPORTER=none`, the embedded default) spans are still created but not
    // exported: trace context keeps flowing through events, logs keep their trace ids and the record its
    // turns' trace ids (the console's trace links).
    ...(tracesExportDisabled() ? { spanProcessors: [new NoopSpanProcessor()] } : {}),
  });
  sdk.start();
}

function tracesExportDisabled(): boolean {
  const exporters = (process.env.OTEL_TRACES_EXPORTER ?? '').split(',').map((e) => e.trim());
  return exporters.length > 0 && exporters.every((e) => e === 'none');
}

/** Flushes pending spans; called on shutdown so the last turn's spans are not lost. */
export async function shutdownTelemetry(): Promise<void> {
  const current = sdk;
  sdk = undefined;
  resetMetricReaders();
  await current?.shutdown();
}
