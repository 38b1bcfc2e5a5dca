import type { IncomingMessage, ServerResponse } from 'node:http';
import { diag } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import type { metrics as sdkMetrics } from '@opentelemetry/sdk-node';
// The NodeSDK's own env → OTLP metric reader factory (protocol, endpoint, headers, export interval and timeout
// from the standard variables). Not re-exported by the package's index; pinned with sdk-node (0.x caret).
import {
  getOtlpMetricExporterFromEnv,
  getPeriodicExportingMetricReaderFromEnv,
} from '@opentelemetry/sdk-node/build/src/utils';

type MetricReader = sdkMetrics.IMetricReader;

let prometheus: PrometheusExporter | undefined;

/**
 * The metric readers of a service:
 * - Prometheus, always, without a server of its own: the service's HTTP server answers `GET /metrics` through
 *   `handleMetricsRequest` (one port per service, no extra port to open or to collide in embedded mode);
 * - OTLP, pushed every `OTEL_METRIC_EXPORT_INTERVAL` ms, when `OTEL_METRICS_EXPORTER` says `otlp` (the
 *   default, as for traces); `none` turns it off (the Prometheus endpoint stays); `prometheus` adds nothing
 *   (it is always on, served by the service).
 */
export function createMetricReaders(): MetricReader[] {
  prometheus = new PrometheusExporter({ preventServerStart: true });
  const readers: MetricReader[] = [prometheus];
  const listed = (process.env.OTEL_METRICS_EXPORTER ?? '').split(',').map((name) => name.trim());
  const exporters = new Set(listed.filter((name) => name.length > 0));
  if (exporters.size === 0) exporters.add('otlp');
  if (exporters.has('none')) return readers;
  for (const exporter of exporters) {
    if (exporter === 'otlp')
      readers.push(getPeriodicExportingMetricReaderFromEnv(getOtlpMetricExporterFromEnv()));
    else if (exporter !== 'prometheus')
      diag.warn(`OTEL_METRICS_EXPORTER: unsupported exporter "${exporter}"`);
  }
  return readers;
}

/** True once `startTelemetry` set up the metrics (then `GET /metrics` has something to serve). */
export function metricsEnabled(): boolean {
  return prometheus !== undefined;
}

/**
 * Answers a Prometheus scrape (text exposition format) from the process's metrics. Mounted on each service's
 * HTTP server at `GET /metrics`. 404 when telemetry is off (`OTEL_SDK_DISABLED=true`, or not started).
 */
export function handleMetricsRequest(request: IncomingMessage, response: ServerResponse): void {
  if (!prometheus) {
    response.statusCode = 404;
    response.setHeader('content-type', 'text/plain; charset=utf-8');
    response.end('metrics are disabled (OpenTelemetry is not started)\n');
    return;
  }
  prometheus.getMetricsRequestHandler(request, response);
}

/** Forgets the Prometheus reader (telemetry shut down). */
export function resetMetricReaders(): void {
  prometheus = undefined;
}
