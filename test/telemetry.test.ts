import { metrics } from '@opentelemetry/api';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import type { AxiosInstance } from 'axios';
import { ApiHttp } from '../services/http/apiHttp';
import { startTelemetry, telemetry } from '../services/observability/telemetry';

describe('telemetry', () => {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.DELTA);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
  const provider = new MeterProvider({ readers: [reader] });

  beforeAll(() => {
    // Recorded before any provider exists: must not break, and must not pin no-op instruments.
    telemetry.alertSent();
    metrics.setGlobalMeterProvider(provider);
  });
  afterAll(async () => {
    await provider.shutdown();
  });

  async function collected(): Promise<Map<string, { value: unknown; attributes: Record<string, unknown> }[]>> {
    await reader.forceFlush();
    const byName = new Map<string, { value: unknown; attributes: Record<string, unknown> }[]>();
    for (const resource of exporter.getMetrics()) {
      for (const scope of resource.scopeMetrics) {
        for (const metric of scope.metrics) {
          byName.set(metric.descriptor.name, metric.dataPoints.map((p) => ({ value: p.value, attributes: p.attributes as Record<string, unknown> })));
        }
      }
    }
    exporter.reset();
    return byName;
  }

  it('records API calls by service and status class, and counts 429s apart', async () => {
    telemetry.apiCall('partnerCenter', 200, 120);
    telemetry.apiCall('partnerCenter', 429, 40);
    telemetry.apiCall('graph', undefined, 5000);
    const m = await collected();
    expect(m.get('kma.api.calls')).toEqual(
      expect.arrayContaining([
        { value: 1, attributes: { service: 'partnerCenter', status_class: '2xx' } },
        { value: 1, attributes: { service: 'partnerCenter', status_class: '4xx' } },
        { value: 1, attributes: { service: 'graph', status_class: 'none' } },
      ]),
    );
    expect(m.get('kma.api.throttled')).toEqual([{ value: 1, attributes: { service: 'partnerCenter' } }]);
  });

  it('records scans, alerts, approvals and run steps once registered', async () => {
    telemetry.scanFinished(1500, 40, 2);
    telemetry.alertSent();
    telemetry.approvalDecided('approved');
    telemetry.runStepFinished('moveLicenses', 'done');
    const m = await collected();
    expect(m.get('kma.scan.customers')).toEqual(
      expect.arrayContaining([{ value: 40, attributes: { outcome: 'read' } }, { value: 2, attributes: { outcome: 'failed' } }]),
    );
    expect(m.get('kma.alerts.sent')).toEqual([{ value: 1, attributes: {} }]);
    expect(m.get('kma.approvals')).toEqual([{ value: 1, attributes: { outcome: 'approved' } }]);
    expect(m.get('kma.run.steps')).toEqual([{ value: 1, attributes: { step: 'moveLicenses', outcome: 'done' } }]);
  });

  it('every Partner Center and Graph attempt is counted by the HTTP client, a throttled one apart', async () => {
    const statuses = [429, 200];
    const axiosLike = { request: async () => ({ status: statuses.shift() ?? 200, data: {}, headers: { 'retry-after': '0' } }) };
    const http = new ApiHttp({ axios: axiosLike as unknown as AxiosInstance, sleep: async () => undefined });
    await http.request({ service: 'partnerCenter', method: 'GET', url: 'https://api.partnercenter.microsoft.com/v1/customers', getToken: async () => 't' });
    const m = await collected();
    const calls = m.get('kma.api.calls') ?? [];
    expect(calls).toEqual(
      expect.arrayContaining([
        { value: 1, attributes: { service: 'partnerCenter', status_class: '4xx' } },
        { value: 1, attributes: { service: 'partnerCenter', status_class: '2xx' } },
      ]),
    );
    expect(m.get('kma.api.throttled')).toEqual([{ value: 1, attributes: { service: 'partnerCenter' } }]);
  });

  it('starts the Azure Monitor exporter only when a connection string is configured', () => {
    const started: string[] = [];
    const starter = (options: { azureMonitorExporterOptions: { connectionString: string } }) => {
      started.push(options.azureMonitorExporterOptions.connectionString);
    };
    expect(startTelemetry(undefined, starter)).toBe(false);
    expect(startTelemetry('', starter)).toBe(false);
    expect(startTelemetry('InstrumentationKey=abc', starter)).toBe(true);
    expect(started).toEqual(['InstrumentationKey=abc']);
  });
});
