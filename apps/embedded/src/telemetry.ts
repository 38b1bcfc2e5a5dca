import { startTelemetry } from '@lib/telemetry';

// Embedded mode exports traces only when a collector is configured.
if (!process.env.OTEL_EXPORTER_OTLP_ENDPOINT && !process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) {
  process.env.OTEL_TRACES_EXPORTER ??= 'none';
}
startTelemetry('sales-agent-embedded');
