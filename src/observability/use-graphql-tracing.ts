import { useOpenTelemetry } from '@envelop/opentelemetry';
import {
  SpanKind,
  type AttributeValue,
  type Attributes,
  type Exception,
  type Link,
  type Span,
  type SpanContext,
  type SpanOptions,
  type SpanStatus,
  type TimeInput,
  type TracerProvider,
} from '@opentelemetry/api';
import type { Plugin } from 'graphql-yoga';

/**
 * A span per GraphQL operation (`mutation.CreateCollection`, `subscription.OrderUpdated`), over
 * HTTP and graphql-ws, by @envelop/opentelemetry. SQL and TarsPay spans of the resolvers are its
 * children. Off: resolver spans (they would record arguments: customer data), variables, the
 * document (inline arguments hold data too) and results.
 */
export function useGraphQLTracing<Context extends object>(provider: TracerProvider): Plugin<Context> {
  return useOpenTelemetry(
    { resolvers: false, variables: false, document: false, result: false },
    withoutCustomerData(provider),
    SpanKind.INTERNAL,
    {},
    'graphql',
  ) as Plugin<Context>;
}

const DOCUMENT = 'graphql.execute.document';

/**
 * What the options cannot turn off. The plugin records a failed operation's errors as
 * `JSON.stringify(result.errors)`, and GraphQL's messages can quote variable values
 * (`Variable "$input" got invalid value …`): only each error's code and path are kept. Its
 * subscription spans record the document whatever `document: false` says: it is dropped.
 */
function withoutCustomerData(provider: TracerProvider): TracerProvider {
  return {
    getTracer(name, version, options) {
      const tracer = provider.getTracer(name, version, options);
      return {
        startSpan: (spanName, spanOptions, spanContext) => new ErrorCodesOnlySpan(tracer.startSpan(spanName, withoutDocument(spanOptions), spanContext)),
        startActiveSpan: tracer.startActiveSpan.bind(tracer),
      };
    },
  };
}

function withoutDocument(options: SpanOptions | undefined): SpanOptions | undefined {
  if (!options?.attributes || !(DOCUMENT in options.attributes)) return options;
  const { [DOCUMENT]: _document, ...attributes } = options.attributes;
  return { ...options, attributes };
}

class ErrorCodesOnlySpan implements Span {
  constructor(private readonly span: Span) {}

  recordException(exception: Exception, time?: TimeInput): void {
    const message = typeof exception === 'string' ? exception : exception.message;
    this.span.recordException({ name: 'GraphQLError', message: errorCodes(message) }, time);
  }

  spanContext(): SpanContext {
    return this.span.spanContext();
  }
  setAttribute(key: string, value: AttributeValue): this {
    this.span.setAttribute(key, value);
    return this;
  }
  setAttributes(attributes: Attributes): this {
    this.span.setAttributes(attributes);
    return this;
  }
  addEvent(name: string, attributesOrTime?: Attributes | TimeInput, time?: TimeInput): this {
    this.span.addEvent(name, attributesOrTime, time);
    return this;
  }
  addLink(link: Link): this {
    this.span.addLink(link);
    return this;
  }
  addLinks(links: Link[]): this {
    this.span.addLinks(links);
    return this;
  }
  setStatus(status: SpanStatus): this {
    this.span.setStatus(status);
    return this;
  }
  updateName(name: string): this {
    this.span.updateName(name);
    return this;
  }
  end(time?: TimeInput): void {
    this.span.end(time);
  }
  isRecording(): boolean {
    return this.span.isRecording();
  }
}

/** `[{"message":…,"path":["order"],"extensions":{"code":"FORBIDDEN"}}]` → `FORBIDDEN at order`. */
function errorCodes(json: string | undefined): string {
  let errors: unknown;
  try {
    errors = JSON.parse(json ?? '');
  } catch {
    return 'GraphQL error';
  }
  if (!Array.isArray(errors)) return 'GraphQL error';
  return errors
    .map((error: { path?: unknown; extensions?: { code?: unknown } }) => {
      const code = typeof error?.extensions?.code === 'string' ? error.extensions.code : 'GRAPHQL_ERROR';
      const path = Array.isArray(error?.path) ? ` at ${error.path.join('.')}` : '';
      return `${code}${path}`;
    })
    .join('; ');
}
