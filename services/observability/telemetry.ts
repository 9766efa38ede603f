/**
 * The product's metrics and traces, named once. Recorded through the OpenTelemetry API, which does nothing until
 * a provider is registered: `startTelemetry` registers Azure Monitor (Application Insights) when a connection string
 * is configured, so code paths record unconditionally and cost nothing when telemetry is off.
 */
import { metrics, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';

const SCOPE = 'kaizala-migration-assistant';

/** Instruments are created on first use, against whichever provider is registered by then. */
function instruments() {
  const meter = metrics.getMeter(SCOPE);
  return {
    apiCalls: meter.createCounter('kma.api.calls', { description: 'Partner Center and Graph calls, by service and status class' }),
    apiThrottled: meter.createCounter('kma.api.throttled', { description: 'Calls answered 429 (throttled), by service' }),
    apiDuration: meter.createHistogram('kma.api.duration', { unit: 'ms', description: 'Duration of Partner Center and Graph calls' }),
    scanDuration: meter.createHistogram('kma.scan.duration', { unit: 'ms', description: 'Duration of a full customer scan' }),
    scanCustomers: meter.createCounter('kma.scan.customers', { description: 'Customers read by scans, by outcome' }),
    alertsSent: meter.createCounter('kma.alerts.sent', { description: 'Expiry alerts delivered to Teams' }),
    approvals: meter.createCounter('kma.approvals', { description: 'Approval decisions, by outcome' }),
    runSteps: meter.createCounter('kma.run.steps', { description: 'Migration run steps finished, by step and outcome' }),
  };
}

let cached: { provider: unknown; instruments: ReturnType<typeof instruments> } | undefined;
/** Metrics have no proxy provider: instruments made before registration would stay no-ops, so follow the provider. */
function use(): ReturnType<typeof instruments> {
  const provider = metrics.getMeterProvider();
  if (cached?.provider !== provider) cached = { provider, instruments: instruments() };
  return cached.instruments;
}

/** What the product records. One call per event; attributes are low-cardinality (no customer or user ids). */
export const telemetry = {
  apiCall(service: string, status: number | undefined, durationMs: number): void {
    const attributes = { service, status_class: status === undefined ? 'none' : `${Math.floor(status / 100)}xx` };
    use().apiCalls.add(1, attributes);
    use().apiDuration.record(durationMs, { service });
    if (status === 429) use().apiThrottled.add(1, { service });
  },
  scanFinished(durationMs: number, read: number, failed: number): void {
    use().scanDuration.record(durationMs);
    use().scanCustomers.add(read, { outcome: 'read' });
    if (failed > 0) use().scanCustomers.add(failed, { outcome: 'failed' });
  },
  /** `count` alerts delivered in one message (a digest carries several). */
  alertSent(count = 1): void {
    use().alertsSent.add(count);
  },
  approvalDecided(outcome: 'approved' | 'rejected' | 'expired' | 'cancelled'): void {
    use().approvals.add(1, { outcome });
  },
  runStepFinished(step: string, outcome: 'done' | 'failed' | 'retried'): void {
    use().runSteps.add(1, { step, outcome });
  },
};

/** Runs `work` in a span named `name` (a turn, a scan, a run step), recording its failure. */
export async function traced<T>(name: string, attributes: Attributes, work: () => Promise<T>): Promise<T> {
  return trace.getTracer(SCOPE).startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work();
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Registers the exporter for Application Insights; a no-op without a connection string (local, tests, sandbox). */
export interface TelemetryStarter {
  (options: { azureMonitorExporterOptions: { connectionString: string } }): void;
}

export function startTelemetry(connectionString: string | undefined, useAzureMonitor: TelemetryStarter): boolean {
  if (!connectionString) return false;
  useAzureMonitor({ azureMonitorExporterOptions: { connectionString } });
  return true;
}
