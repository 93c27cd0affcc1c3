// OpenTelemetry spans by the messaging conventions, with @opentelemetry/api
// only: the application registers the SDK. A send's trace context travels in
// the PGMQ message's headers; the handler's `process` span links to it rather
// than being its child, since a command may run hours after its send. With no
// SDK registered the spans are non-recording and no header is written.
import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Link,
  type Span,
} from '@opentelemetry/api';

const tracer = trace.getTracer('@commandbus/commandbus');

/** What PGMQ's messages are: the `messaging.system` of every span. */
export const MESSAGING_SYSTEM = 'pgmq';

/** The trace context headers of a message, W3C `traceparent` and the like. */
export type TraceHeaders = Readonly<Record<string, string>>;

function messagingAttributes(
  operation: 'send' | 'receive' | 'process' | 'settle',
  operationType: 'send' | 'receive' | 'process' | 'settle',
  queue: string,
  extra: Attributes = {},
): Attributes {
  return {
    'messaging.system': MESSAGING_SYSTEM,
    'messaging.operation.name': operation,
    'messaging.operation.type': operationType,
    'messaging.destination.name': queue,
    ...extra,
  };
}

/** The `error.type` of a failure: a CommandBusError's code, else the error's class name. */
export function errorType(error: unknown): string {
  if (error && typeof error === 'object') {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    const name = (error as { name?: unknown }).name;
    if (typeof name === 'string' && name !== '') return name;
  }
  return '_OTHER';
}

export function recordError(span: Span, error: unknown): void {
  span.setAttribute('error.type', errorType(error));
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
}

/** Runs `work` in `span`, records what it throws, and ends the span either way. */
async function endSpanAfter<T>(span: Span, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    recordError(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/**
 * Runs a send of `count` messages to `queue` in a `send <queue>` PRODUCER
 * span; `send` is given the headers that carry the span's context (null
 * when nothing is propagated, as without an SDK).
 */
export async function traceSend<T>(
  queue: string,
  count: number,
  send: (headers: TraceHeaders | null) => Promise<T>,
  messageIds: (result: T) => readonly (number | null)[],
): Promise<T> {
  const attributes = messagingAttributes('send', 'send', queue);
  if (count > 1) attributes['messaging.batch.message_count'] = count;
  return tracer.startActiveSpan(`send ${queue}`, { kind: SpanKind.PRODUCER, attributes }, (span) =>
    endSpanAfter(span, async () => {
      const carrier: Record<string, string> = {};
      propagation.inject(context.active(), carrier);
      const result = await send(Object.keys(carrier).length > 0 ? carrier : null);
      const ids = messageIds(result);
      if (count === 1 && ids[0] != null) {
        span.setAttribute('messaging.message.id', String(ids[0]));
      }
      return result;
    }),
  );
}

/**
 * A `receive <queue>` span around one read: a root, since the read loop
 * keeps whatever context `start()` was called in.
 */
export async function traceReceive<T extends { read: number }>(
  queue: string,
  receive: () => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(
    `receive ${queue}`,
    {
      kind: SpanKind.CLIENT,
      attributes: messagingAttributes('receive', 'receive', queue),
      root: true,
    },
    (span) =>
      endSpanAfter(span, async () => {
        const result = await receive();
        span.setAttribute('messaging.batch.message_count', result.read);
        return result;
      }),
  );
}

/** The producer's span context from a message's headers, as a link. */
function linkFrom(headers: unknown): Link[] {
  if (!headers || typeof headers !== 'object') return [];
  const extracted = propagation.extract(context.active(), headers as Record<string, unknown>, {
    keys: (carrier) => Object.keys(carrier),
    get: (carrier, key) => {
      const value = carrier[key];
      return typeof value === 'string' ? value : undefined;
    },
  });
  const spanContext = trace.getSpanContext(extracted);
  return spanContext && trace.isSpanContextValid(spanContext) ? [{ context: spanContext }] : [];
}

/**
 * Runs a delivery in a `process <queue>` CONSUMER span that links to the
 * send's span; the handler, its database writes and the settle run inside it.
 */
export async function traceProcess<T>(
  input: {
    readonly queue: string;
    readonly msgId: number;
    readonly commandType: string;
    readonly attempt: number;
    readonly headers: unknown;
  },
  run: (span: Span) => Promise<T>,
): Promise<T> {
  const attributes = messagingAttributes('process', 'process', input.queue, {
    'messaging.message.id': String(input.msgId),
    'commandbus.command_type': input.commandType,
    'commandbus.attempt': input.attempt,
  });
  return tracer.startActiveSpan(
    `process ${input.queue}`,
    // A root of its own trace: the send may be long gone.
    { kind: SpanKind.CONSUMER, attributes, links: linkFrom(input.headers), root: true },
    async (span) => {
      try {
        return await run(span);
      } finally {
        span.end();
      }
    },
  );
}

/** A `settle <queue>` span around a delivery's finish, retry or move; `outcome` names how it ended. */
export async function traceSettle<T extends string>(
  queue: string,
  settle: () => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(
    `settle ${queue}`,
    { kind: SpanKind.CLIENT, attributes: messagingAttributes('settle', 'settle', queue) },
    (span) =>
      endSpanAfter(span, async () => {
        const outcome = await settle();
        span.setAttribute('commandbus.outcome', outcome);
        return outcome;
      }),
  );
}
