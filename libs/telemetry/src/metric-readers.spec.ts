import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { metrics } from '@opentelemetry/sdk-node';
import { createMetricReaders, metricsEnabled, resetMetricReaders } from './metric-readers';

describe('metric readers from the environment', () => {
  const saved = process.env.OTEL_METRICS_EXPORTER;

  afterEach(async () => {
    if (saved === undefined) delete process.env.OTEL_METRICS_EXPORTER;
    else process.env.OTEL_METRICS_EXPORTER = saved;
    resetMetricReaders();
  });

  async function readersFor(value: string | undefined): Promise<string[]> {
    if (value === undefined) delete process.env.OTEL_METRICS_EXPORTER;
    else process.env.OTEL_METRICS_EXPORTER = value;
    const readers = createMetricReaders();
    const kinds = readers.map((reader) =>
      reader instanceof PrometheusExporter
        ? 'prometheus'
        : reader instanceof metrics.PeriodicExportingMetricReader
          ? 'periodic'
          : 'other',
    );
    await Promise.all(readers.map((reader) => reader.shutdown().catch(() => undefined)));
    return kinds;
  }

  it('serves Prometheus and pushes OTLP by default', async () => {
    expect(await readersFor(undefined)).toEqual(['prometheus', 'periodic']);
    expect(await readersFor('otlp')).toEqual(['prometheus', 'periodic']);
  });

  it('keeps only the Prometheus endpoint when OTEL_METRICS_EXPORTER=none', async () => {
    expect(await readersFor('none')).toEqual(['prometheus']);
    expect(await readersFor('otlp, none')).toEqual(['prometheus']);
  });

  it('does not add a second Prometheus reader for OTEL_METRICS_EXPORTER=prometheus', async () => {
    expect(await readersFor('prometheus')).toEqual(['prometheus']);
  });

  it('has metrics enabled only once readers exist', () => {
    expect(metricsEnabled()).toBe(false);
    createMetricReaders();
    expect(metricsEnabled()).toBe(true);
  });
});
