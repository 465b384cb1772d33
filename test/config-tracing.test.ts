import { describe, expect, it } from 'vitest';
import { parseEnvironment } from '../src/config.js';
import { configErrorMessage } from './helpers/config.js';
import { recordingLogger } from './helpers/logs.js';

const settings = (env: Record<string, string>) => parseEnvironment(env).tracing;

const messageOf = (env: Record<string, string>) => configErrorMessage(() => parseEnvironment(env));

describe('OTEL_* variables', () => {
  it('leave tracing off when neither an exporter nor an endpoint is set', () => {
    expect(settings({}).exporters).toEqual([]);
    expect(settings({ OTEL_SERVICE_NAME: 'gw', OTEL_TRACES_SAMPLER: 'always_on', OTEL_EXPORTER_OTLP_HEADERS: 'a=b' }).exporters).toEqual([]);
  });

  it('an OTLP endpoint turns it on; `v1/traces` is appended to OTEL_EXPORTER_OTLP_ENDPOINT, the TRACES_ one is used as it is', () => {
    expect(settings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toMatchObject({
      exporters: ['otlp'],
      otlp: { url: 'http://collector:4318/v1/traces', protocol: 'http/protobuf', headers: {}, timeoutMs: 10_000 },
    });
    expect(settings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example/ingest/' }).otlp.url).toBe('https://otel.example/ingest/v1/traces');
    const specific = settings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:4318/custom' });
    expect(specific).toMatchObject({ exporters: ['otlp'], otlp: { url: 'http://traces:4318/custom' } });
  });

  it('OTEL_TRACES_EXPORTER alone exports to the local collector; console, both, or none', () => {
    expect(settings({ OTEL_TRACES_EXPORTER: 'otlp' })).toMatchObject({ exporters: ['otlp'], otlp: { url: 'http://localhost:4318/v1/traces' } });
    expect(settings({ OTEL_TRACES_EXPORTER: 'console' }).exporters).toEqual(['console']);
    expect(settings({ OTEL_TRACES_EXPORTER: 'otlp, console' }).exporters).toEqual(['otlp', 'console']);
    expect(settings({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).exporters).toEqual([]);
  });

  it('OTEL_SDK_DISABLED=true wins over everything', () => {
    expect(settings({ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).exporters).toEqual([]);
    expect(settings({ OTEL_SDK_DISABLED: 'false', OTEL_TRACES_EXPORTER: 'otlp' }).exporters).toEqual(['otlp']);
  });

  it('headers: comma-separated key=value, percent-decoded, the TRACES_ ones win key by key', () => {
    const { otlp } = settings({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_HEADERS: 'api-key=abc%3D%3D, x-team = payments',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-team=gateway',
    });
    expect(otlp.headers).toEqual({ 'api-key': 'abc==', 'x-team': 'gateway' });
  });

  it('protocol and timeout, general or for traces', () => {
    expect(settings({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_TIMEOUT: '5000' }).otlp).toMatchObject({
      protocol: 'http/json',
      timeoutMs: 5000,
    });
    const specific = settings({
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '2000',
    });
    expect(specific.otlp).toMatchObject({ protocol: 'http/protobuf', timeoutMs: 2000 });
  });

  it('service name and resource attributes: OTEL_SERVICE_NAME wins over service.name in OTEL_RESOURCE_ATTRIBUTES', () => {
    expect(settings({}).serviceName).toBe('tarspay-graphql');
    expect(settings({ OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attributes,deployment.environment=prod' })).toMatchObject({
      serviceName: 'from-attributes',
      resourceAttributes: { 'deployment.environment': 'prod' },
    });
    expect(settings({ OTEL_SERVICE_NAME: 'gw-eu', OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attributes,team=pay%20ops' })).toMatchObject({
      serviceName: 'gw-eu',
      resourceAttributes: { team: 'pay ops' },
    });
  });

  it('sampler: parent-based always on by default; a ratio from OTEL_TRACES_SAMPLER_ARG', () => {
    expect(settings({}).sampler).toEqual({ name: 'parentbased_always_on', ratio: 1 });
    expect(settings({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' }).sampler).toEqual({
      name: 'parentbased_traceidratio',
      ratio: 0.25,
    });
  });

  it('names each bad variable, and never echoes a header value', () => {
    expect(messageOf({ OTEL_TRACES_EXPORTER: 'jaeger' })).toMatch(/OTEL_TRACES_EXPORTER: "jaeger" not supported: use otlp, console/);
    expect(messageOf({ OTEL_TRACES_EXPORTER: 'none,otlp' })).toMatch(/OTEL_TRACES_EXPORTER: none cannot be combined/);
    expect(messageOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toMatch(/OTEL_EXPORTER_OTLP_ENDPOINT: must be an http:\/\/ or https:\/\/ URL/);
    expect(messageOf({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'ftp://collector/x' })).toMatch(/OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: must be an http/);
    expect(messageOf({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toMatch(/OTEL_EXPORTER_OTLP_PROTOCOL: grpc is not supported: use http\/protobuf/);
    expect(messageOf({ OTEL_TRACES_SAMPLER: 'jaeger_remote' })).toMatch(/OTEL_TRACES_SAMPLER: must be one of always_on, always_off, traceidratio/);
    expect(messageOf({ OTEL_TRACES_SAMPLER_ARG: '1.5' })).toMatch(/OTEL_TRACES_SAMPLER_ARG: must be a ratio from 0 to 1/);
    expect(messageOf({ OTEL_TRACES_SAMPLER_ARG: 'half' })).toMatch(/OTEL_TRACES_SAMPLER_ARG: must be a ratio from 0 to 1/);
    expect(messageOf({ OTEL_EXPORTER_OTLP_TIMEOUT: '-1' })).toMatch(/OTEL_EXPORTER_OTLP_TIMEOUT/);
    expect(messageOf({ OTEL_SDK_DISABLED: 'maybe' })).toMatch(/OTEL_SDK_DISABLED/);
    const headers = messageOf({ OTEL_EXPORTER_OTLP_HEADERS: 'api-key=s3cr3t-value,broken' });
    expect(headers).toMatch(/OTEL_EXPORTER_OTLP_HEADERS: entry 2 is not key=value/);
    expect(headers).not.toContain('s3cr3t-value');
    expect(messageOf({ OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'api-key=%E0%A4%A' })).toMatch(/OTEL_EXPORTER_OTLP_TRACES_HEADERS: entry 1 is not key=value/);
    expect(messageOf({ OTEL_RESOURCE_ATTRIBUTES: '=nameless' })).toMatch(/OTEL_RESOURCE_ATTRIBUTES: entry 1 is not key=value/);
  });

  it('a logged configuration never shows the collector headers (they may hold its API key)', () => {
    const lines: string[] = [];
    const logger = recordingLogger(lines);
    const config = parseEnvironment({ OTEL_EXPORTER_OTLP_HEADERS: 'api-key=general-s3cret', OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'api-key=traces-s3cret' });
    logger.info(config, 'configuration');
    expect(lines.join('')).toContain('[redacted]');
    expect(lines.join('')).not.toMatch(/s3cret/);
  });
});
