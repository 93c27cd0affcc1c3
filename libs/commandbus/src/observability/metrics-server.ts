// The worker's HTTP endpoint for Prometheus and Kubernetes probes:
// `/metrics` (the registry's text format), `/healthz` (the process answers)
// and `/readyz` (every readiness check passes; 503 names the failing ones).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

/** One readiness check: resolves to a reason when not ready, undefined when ready. */
export type ReadinessCheck = () => Promise<string | undefined>;

export interface MetricsServerOptions {
  readonly registry: Registry;
  readonly port: number;
  readonly host?: string;
  readonly checks: Readonly<Record<string, ReadinessCheck>>;
  readonly logger: Logger;
}

export class MetricsServer {
  readonly #options: MetricsServerOptions;
  readonly #server: http.Server;

  constructor(options: MetricsServerOptions) {
    this.#options = options;
    this.#server = http.createServer((request, response) => {
      void this.#handle(request, response);
    });
  }

  /** Listens; resolves with the URL it listens on (the port chosen when 0 was asked). */
  async start(): Promise<string> {
    const { port, host } = this.#options;
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    const address = this.#server.address() as AddressInfo;
    const hostname = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${hostname}:${address.port}`;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0];
    try {
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        reply(response, 405, 'text/plain', 'method not allowed\n');
      } else if (path === '/metrics') {
        const { registry } = this.#options;
        reply(response, 200, registry.contentType, await registry.metrics());
      } else if (path === '/healthz') {
        reply(response, 200, 'text/plain', 'ok\n');
      } else if (path === '/readyz') {
        const failing = await this.#failingChecks();
        if (failing.length === 0) reply(response, 200, 'text/plain', 'ready\n');
        else reply(response, 503, 'text/plain', `not ready: ${failing.join('; ')}\n`);
      } else {
        reply(response, 404, 'text/plain', 'not found\n');
      }
    } catch (error) {
      this.#options.logger.error({ err: error, path }, 'metrics endpoint failed');
      if (!response.headersSent) reply(response, 500, 'text/plain', 'internal error\n');
      else response.destroy();
    }
  }

  async #failingChecks(): Promise<string[]> {
    const results = await Promise.all(
      Object.entries(this.#options.checks).map(async ([name, check]) => {
        const reason = await check().catch((error: unknown) => String(error));
        return reason === undefined ? undefined : `${name}: ${reason}`;
      }),
    );
    return results.filter((reason) => reason !== undefined);
  }
}

function reply(response: http.ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  response.end(body);
}
