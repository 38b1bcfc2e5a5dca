import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseDocument } from 'yaml';
import { METRICS, prometheusName, type MetricDefinition } from './metrics';

/**
 * The monitoring configuration in deploy/ and docker-compose.yml: every file parses, and the PromQL of the
 * dashboard and the alert rules names only metrics and labels the code registers (a renamed metric breaks
 * this test, not a dashboard in production).
 */
const root = join(__dirname, '../../..');
const deploy = join(root, 'deploy');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

function yamlFile(path: string): unknown {
  const document = parseDocument(readFileSync(path, 'utf8'), { uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new Error(`${relative(root, path)}: ${document.errors.map((e) => e.message).join('; ')}`);
  }
  return document.toJS() as unknown;
}

const asRecord = (value: unknown): Record<string, unknown> => value as Record<string, unknown>;
const registered: MetricDefinition[] = Object.values(METRICS);

/** Every `expr` in a JSON/YAML tree. */
function expressions(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(expressions);
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node).flatMap(([key, value]) =>
    key === 'expr' && typeof value === 'string' ? [value] : expressions(value),
  );
}

const METRIC_NAME = /\b((?:sales|messaging|gen_ai)_[a-z0-9_]+)\b/g;
const SERIES_SUFFIX = /_(bucket|sum|count)$/;

/** The application metric names of a PromQL expression (series suffixes removed) and the labels it uses. */
function promql(expr: string): { metrics: string[]; labels: string[] } {
  const labels: string[] = [];
  const withoutLabels = expr
    .replace(/\{([^}]*)\}/g, (_all, inner: string) => {
      for (const matcher of inner.split(',')) {
        const name = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)/.exec(matcher)?.[1];
        if (name) labels.push(name);
      }
      return '';
    })
    .replace(/\b(by|without)\s*\(([^)]*)\)/g, (_all, _kind: string, inner: string) => {
      labels.push(
        ...inner
          .split(',')
          .map((l) => l.trim())
          .filter(Boolean),
      );
      return '';
    });
  const metrics = [...withoutLabels.matchAll(METRIC_NAME)].map((m) => m[1].replace(SERIES_SUFFIX, ''));
  return { metrics, labels };
}

const knownLabels = new Set([
  ...registered.flatMap((m) => m.attributes.map((a) => a.replace(/[^a-zA-Z0-9_]/g, '_'))),
  'le',
  'job',
  'service',
  'alertstate',
]);

describe('deploy configuration', () => {
  it('parses every YAML and JSON file of deploy/ and docker-compose.yml', () => {
    const all = files(deploy);
    const yamls = [...all.filter((f) => /\.ya?ml$/.test(f)), join(root, 'docker-compose.yml')];
    const jsons = all.filter((f) => f.endsWith('.json'));
    expect(yamls.length).toBeGreaterThanOrEqual(6);
    expect(jsons.length).toBeGreaterThanOrEqual(1);
    for (const file of yamls) expect(() => yamlFile(file)).not.toThrow();
    for (const file of jsons) expect(() => JSON.parse(readFileSync(file, 'utf8')) as unknown).not.toThrow();
  });

  it('the dashboard shows every registered metric, and only registered metrics and labels', () => {
    const dashboard = JSON.parse(
      readFileSync(join(deploy, 'grafana/dashboards/sales-agent.json'), 'utf8'),
    ) as Record<string, unknown>;
    const parsed = expressions(dashboard.panels).map(promql);
    const shown = new Set(parsed.flatMap((p) => p.metrics));
    expect([...shown].sort()).toEqual(registered.map(prometheusName).sort());
    const unknown = parsed.flatMap((p) => p.labels).filter((l) => !knownLabels.has(l));
    expect(unknown).toEqual([]);
    // Its datasources are the provisioned ones.
    const provisioned = asRecord(yamlFile(join(deploy, 'grafana/provisioning/datasources/datasources.yaml')));
    const uids = new Set((provisioned.datasources as { uid: string }[]).map((d) => d.uid));
    const used = [
      ...JSON.stringify(dashboard.panels).matchAll(/"datasource":\{"type":"[^"]+","uid":"([^"]+)"/g),
    ];
    expect(used.length).toBeGreaterThan(0);
    for (const [, uid] of used) expect(uids.has(uid)).toBe(true);
  });

  it('the alert rules use registered metrics and labels', () => {
    const rules = yamlFile(join(deploy, 'prometheus/alerts.yml'));
    const parsed = expressions(rules).map(promql);
    expect(parsed.length).toBeGreaterThanOrEqual(5);
    const names = new Set(registered.map(prometheusName));
    expect(parsed.flatMap((p) => p.metrics).filter((m) => !names.has(m))).toEqual([]);
    expect(parsed.flatMap((p) => p.labels).filter((l) => !knownLabels.has(l))).toEqual([]);
  });

  it('Prometheus scrapes GET /metrics of the five services on the ports docker-compose gives them', () => {
    const compose = asRecord(asRecord(yamlFile(join(root, 'docker-compose.yml'))).services);
    const config = asRecord(yamlFile(join(deploy, 'prometheus/prometheus.yml')));
    const jobs = config.scrape_configs as Record<string, unknown>[];
    const direct = jobs.find((j) => j.job_name === 'sales-agent');
    expect(direct?.metrics_path).toBe('/metrics');
    const targets = (direct?.static_configs as { targets: string[]; labels: { service: string } }[]).map(
      (c) => ({ service: c.labels.service, target: c.targets[0] }),
    );
    const services = ['gateway', 'orchestrator', 'tool-runner', 'persistence', 'evaluator'];
    expect(targets.map((t) => t.service).sort()).toEqual([...services].sort());
    for (const { service, target } of targets) {
      const port = String(asRecord(asRecord(compose[service]).environment).PORT);
      expect(target).toBe(`${service}:${port}`);
    }
    // The collector's copy of the metrics: counters get Prometheus' _total suffix back.
    const viaCollector = jobs.find((j) => j.job_name === 'otel-collector');
    const relabel = JSON.stringify(viaCollector?.metric_relabel_configs);
    for (const counter of registered.filter((m) => m.type === 'counter')) {
      expect(relabel).toContain(prometheusName(counter).replace(/_total$/, ''));
    }
  });

  it('the collector sends traces to Jaeger and metrics to a Prometheus endpoint', () => {
    const collector = asRecord(yamlFile(join(deploy, 'otel-collector.yaml')));
    const exporters = Object.keys(asRecord(collector.exporters));
    const pipelines = asRecord(asRecord(collector.service).pipelines);
    const traces = asRecord(pipelines.traces);
    const metrics = asRecord(pipelines.metrics);
    expect(traces.exporters).toContain('otlp/jaeger');
    expect(metrics.exporters).toContain('prometheus');
    for (const used of [...(traces.exporters as string[]), ...(metrics.exporters as string[])]) {
      expect(exporters).toContain(used);
    }
  });

  it('docker-compose runs Prometheus and Grafana with files that exist', () => {
    const services = asRecord(asRecord(yamlFile(join(root, 'docker-compose.yml'))).services);
    for (const name of ['jaeger', 'otel-collector', 'prometheus', 'grafana'])
      expect(services[name]).toBeDefined();
    const mounts = ['otel-collector', 'prometheus', 'grafana'].flatMap(
      (name) => (asRecord(services[name]).volumes as string[]) ?? [],
    );
    const bound = mounts.filter((m) => m.startsWith('./')).map((m) => m.split(':')[0]);
    expect(bound.length).toBeGreaterThanOrEqual(5);
    for (const path of bound) expect(existsSync(join(root, path))).toBe(true);
    const datasources = asRecord(yamlFile(join(deploy, 'grafana/provisioning/datasources/datasources.yaml')));
    expect((datasources.datasources as { type: string }[]).map((d) => d.type).sort()).toEqual([
      'jaeger',
      'prometheus',
    ]);
  });
});
