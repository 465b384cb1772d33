export const TRACES_SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;

export type SamplerName = (typeof TRACES_SAMPLERS)[number];

/** The OTEL_* variables as src/config/models.ts parses them (lists, key=value pairs and numbers already checked). */
export interface OtelVariables {
  OTEL_SDK_DISABLED: boolean;
  OTEL_TRACES_EXPORTER: Array<'otlp' | 'console' | 'none'>;
  OTEL_EXPORTER_OTLP_ENDPOINT: string;
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: string;
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' | 'http/json';
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf' | 'http/json';
  OTEL_EXPORTER_OTLP_HEADERS: Record<string, string>;
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: Record<string, string>;
  OTEL_EXPORTER_OTLP_TIMEOUT: number;
  OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: number;
  OTEL_SERVICE_NAME: string;
  OTEL_RESOURCE_ATTRIBUTES: Record<string, string>;
  OTEL_TRACES_SAMPLER: SamplerName;
  OTEL_TRACES_SAMPLER_ARG: number;
}

/** What startTracing needs, from the OTEL_* variables (parsed and checked in src/config/models.ts): the configuration's `tracing`. */
export interface TracingSettings {
  /** Empty: tracing is off (nothing is started, the OpenTelemetry API stays a no-op). */
  exporters: Array<'otlp' | 'console'>;
  otlp: {
    /** The full traces URL (`…/v1/traces`). */
    url: string;
    protocol: 'http/protobuf' | 'http/json';
    headers: Record<string, string>;
    timeoutMs: number;
  };
  serviceName: string;
  resourceAttributes: Record<string, string>;
  sampler: { name: SamplerName; ratio: number };
}

export const DEFAULT_SERVICE_NAME = 'tarspay-graphql';
const DEFAULT_OTLP_BASE = 'http://localhost:4318/';

/**
 * The OpenTelemetry specification's meaning of the variables: OTEL_EXPORTER_OTLP_ENDPOINT is a
 * base URL (`v1/traces` is appended), the TRACES_ variants win over the general ones (headers
 * are merged), OTEL_SERVICE_NAME wins over a service.name in OTEL_RESOURCE_ATTRIBUTES. Off
 * unless OTEL_TRACES_EXPORTER or an endpoint is set, and always with OTEL_SDK_DISABLED=true.
 */
export function tracingSettings(env: Partial<OtelVariables>): TracingSettings {
  const endpointSet = Boolean(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT);
  const named = env.OTEL_TRACES_EXPORTER ?? (endpointSet ? ['otlp'] : []);
  const exporters = env.OTEL_SDK_DISABLED ? [] : named.filter((name) => name !== 'none');
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT ?? DEFAULT_OTLP_BASE;
  const resourceAttributes = { ...env.OTEL_RESOURCE_ATTRIBUTES };
  return {
    exporters,
    otlp: {
      url: env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? `${base.endsWith('/') ? base : `${base}/`}v1/traces`,
      protocol: env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf',
      headers: { ...env.OTEL_EXPORTER_OTLP_HEADERS, ...env.OTEL_EXPORTER_OTLP_TRACES_HEADERS },
      timeoutMs: env.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT ?? env.OTEL_EXPORTER_OTLP_TIMEOUT ?? 10_000,
    },
    serviceName: env.OTEL_SERVICE_NAME ?? resourceAttributes['service.name'] ?? DEFAULT_SERVICE_NAME,
    resourceAttributes,
    sampler: { name: env.OTEL_TRACES_SAMPLER ?? 'parentbased_always_on', ratio: env.OTEL_TRACES_SAMPLER_ARG ?? 1 },
  };
}
