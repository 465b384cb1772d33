import { ROOT_CONTEXT, context, propagation, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { parseEnvironment } from '../../src/config.js';
import { startTracing } from '../../src/observability/tracing.js';
import { startTestGateway } from '../helpers/gateway.js';
import { COLLECTION_CREATE, collectionInput } from '../helpers/operations.js';
import { startCollector } from '../helpers/tracing.js';

/** What a registered SDK would change: a recording tracer, a context manager, a propagator. */
function nothingRegistered(): void {
  expect(trace.getTracer('probe').startSpan('probe').isRecording()).toBe(false);
  const marked = ROOT_CONTEXT.setValue(Symbol('probe'), true);
  expect(context.with(marked, () => context.active())).toBe(ROOT_CONTEXT);
  expect(propagation.fields()).toEqual([]);
}

describe('tracing is off unless OTEL_* turn it on', () => {
  it('with no OTEL_* variable nothing is started: no provider, no context manager, no trace ids in logs', async () => {
    expect(await startTracing(parseEnvironment({}).tracing)).toBeUndefined();
    const t = await startTestGateway();
    try {
      const merchant = await t.addMerchant('M-NO-TRACING');
      const result = await t.graphql(await t.token(merchant), COLLECTION_CREATE, { input: collectionInput() });
      expect(result.data!.collectionCreate.userErrors).toEqual([]);
      nothingRegistered();
      expect(t.logs.some((line) => line.includes('"msg":"request"'))).toBe(true);
      expect(t.logs.filter((line) => line.includes('trace_id'))).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it('OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none turn it off even with an endpoint: nothing reaches the collector', async () => {
    const collector = await startCollector();
    try {
      for (const off of [{ OTEL_SDK_DISABLED: 'true' }, { OTEL_TRACES_EXPORTER: 'none' }] as Array<Record<string, string>>) {
        const t = await startTestGateway({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, ...off } });
        const merchant = await t.addMerchant(`M-OFF-${Object.keys(off)[0]}`);
        await t.graphql(await t.token(merchant), COLLECTION_CREATE, { input: collectionInput() });
        nothingRegistered();
        await t.close();
      }
      expect(collector.requests).toEqual([]);
    } finally {
      await collector.close();
    }
  });

  it('a gateway that shut its tracing down leaves nothing registered behind', async () => {
    const collector = await startCollector();
    const t = await startTestGateway({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url } });
    expect(trace.getTracer('probe').startSpan('probe').isRecording()).toBe(true);
    await t.close();
    await collector.close();
    nothingRegistered();
  });
});
