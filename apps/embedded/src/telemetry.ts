import { startTelemetry } from '@lib/telemetry';

// Embedded mode exports traces and pushes metrics only when a collector is configured (GET /metrics is
// always served).
if (!process.env.OTEL_EXPORTER_OTLP_ENDPOINT && !process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) {
  process.env.OTEL_TRACES_EXPORTER ??= 'none';
}
if (!process.env.OTEL_EXPORTER_OTLP_ENDPOINT && !process.env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT) {
  process.env.OTEL_METRICS_EXPORTER ??= 'none';
}
startTelemetry('sales-agent-embedded');
