// A recording tracer for the tracing tests, built on @opentelemetry/api alone:
// spans kept in memory, W3C `traceparent` propagation and an
// AsyncLocalStorage context manager, registered as the API's globals the way
// an application registers its SDK.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  trace,
  TraceFlags,
  type Attributes,
  type AttributeValue,
  type Context,
  type ContextManager,
  type Exception,
  type Link,
  type Span,
  type SpanAttributes,
  type SpanContext,
  type SpanKind,
  type SpanOptions,
  type SpanStatus,
  type TextMapPropagator,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';

export interface RecordedSpan {
  readonly name: string;
  readonly kind: SpanKind | undefined;
  readonly spanContext: SpanContext;
  readonly parentSpanId: string | undefined;
  readonly attributes: Record<string, AttributeValue | undefined>;
  readonly links: readonly Link[];
  status: SpanStatus;
  exceptions: number;
  ended: boolean;
}

class RecordingSpan implements Span {
  readonly record: RecordedSpan;
  constructor(record: RecordedSpan) {
    this.record = record;
  }
  spanContext(): SpanContext {
    return this.record.spanContext;
  }
  setAttribute(key: string, value: AttributeValue): this {
    this.record.attributes[key] = value;
    return this;
  }
  setAttributes(attributes: SpanAttributes): this {
    Object.assign(this.record.attributes, attributes);
    return this;
  }
  addEvent(): this {
    return this;
  }
  addLink(link: Link): this {
    (this.record.links as Link[]).push(link);
    return this;
  }
  addLinks(links: Link[]): this {
    (this.record.links as Link[]).push(...links);
    return this;
  }
  setStatus(status: SpanStatus): this {
    this.record.status = status;
    return this;
  }
  updateName(): this {
    return this;
  }
  end(): void {
    this.record.ended = true;
  }
  isRecording(): boolean {
    return !this.record.ended;
  }
  recordException(_exception: Exception): void {
    this.record.exceptions += 1;
  }
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

class RecordingTracer implements Tracer {
  readonly #spans: RecordedSpan[];
  constructor(spans: RecordedSpan[]) {
    this.#spans = spans;
  }

  startSpan(name: string, options: SpanOptions = {}, ctx: Context = context.active()): Span {
    const parent = options.root ? undefined : trace.getSpanContext(ctx);
    const record: RecordedSpan = {
      name,
      kind: options.kind,
      spanContext: {
        traceId: parent?.traceId ?? hex(16),
        spanId: hex(8),
        traceFlags: TraceFlags.SAMPLED,
      },
      parentSpanId: parent?.spanId,
      attributes: { ...(options.attributes as Attributes) },
      links: [...(options.links ?? [])],
      status: { code: 0 },
      exceptions: 0,
      ended: false,
    };
    this.#spans.push(record);
    return new RecordingSpan(record);
  }

  startActiveSpan<F extends (span: Span) => unknown>(...args: unknown[]): ReturnType<F> {
    const fn = args[args.length - 1] as F;
    const options = (args.length >= 3 ? args[1] : {}) as SpanOptions;
    const ctx = (args.length >= 4 ? args[2] : context.active()) as Context;
    const span = this.startSpan(args[0] as string, options, ctx);
    return context.with(trace.setSpan(ctx, span), () => fn(span)) as ReturnType<F>;
  }
}

class AsyncLocalContextManager implements ContextManager {
  readonly #storage = new AsyncLocalStorage<Context>();
  active(): Context {
    return this.#storage.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.#storage.run(ctx, () => fn.apply(thisArg, args));
  }
  bind<T>(ctx: Context, target: T): T {
    if (typeof target !== 'function') return target;
    const run = (...args: unknown[]) =>
      this.with(ctx, () => (target as (...a: unknown[]) => unknown)(...args));
    return run as T;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.#storage.disable();
    return this;
  }
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

const w3cPropagator: TextMapPropagator = {
  inject(ctx, carrier, setter) {
    const span = trace.getSpanContext(ctx);
    if (!span) return;
    const flags = span.traceFlags.toString(16).padStart(2, '0');
    setter.set(carrier, 'traceparent', `00-${span.traceId}-${span.spanId}-${flags}`);
  },
  extract(ctx, carrier, getter) {
    const raw = getter.get(carrier, 'traceparent');
    const match = TRACEPARENT.exec(Array.isArray(raw) ? (raw[0] ?? '') : (raw ?? ''));
    if (!match) return ctx;
    const [, traceId = '', spanId = '', flags = '00'] = match;
    return trace.setSpanContext(ctx, {
      traceId,
      spanId,
      traceFlags: Number.parseInt(flags, 16),
      isRemote: true,
    });
  },
  fields: () => ['traceparent'],
};

/** Registers a recording tracer as the API's global; `stop()` unregisters it. */
export function recordSpans(): { spans: RecordedSpan[]; tracer: Tracer; stop(): void } {
  const spans: RecordedSpan[] = [];
  const provider: TracerProvider = { getTracer: () => new RecordingTracer(spans) };
  context.setGlobalContextManager(new AsyncLocalContextManager());
  trace.setGlobalTracerProvider(provider);
  propagation.setGlobalPropagator(w3cPropagator);
  return {
    spans,
    tracer: trace.getTracer('test'),
    stop() {
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}
