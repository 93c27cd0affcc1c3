// A dedicated `pg` connection that LISTENs on the domain's channel and turns
// each NOTIFY into a wake-up. It reconnects with backoff when the database
// goes away; meanwhile the worker keeps polling, so nothing is missed.
import pg from 'pg';
import type { Logger } from 'pino';
import { setTimeout as sleep } from 'node:timers/promises';
import { nextBackoffMs } from './reconnect-backoff.ts';

export interface NotifyListenerOptions {
  /** Where to connect: see listenConnectionOf. */
  readonly connection: pg.ClientConfig;
  readonly channel: string;
  readonly onNotify: () => void;
  readonly logger: Logger;
  readonly reconnectMinMs: number;
  readonly reconnectMaxMs: number;
}

export class NotifyListener {
  readonly #options: NotifyListenerOptions;
  #client: pg.Client | undefined;
  #stopped = false;
  #running: Promise<void> | undefined;
  #connected: Promise<void> | undefined;
  #listening = false;

  constructor(options: NotifyListenerOptions) {
    this.#options = options;
  }

  /** Resolves once the first LISTEN is in place (or failed; it keeps trying). */
  start(): Promise<void> {
    let firstAttempt!: () => void;
    this.#connected = new Promise((resolve) => (firstAttempt = resolve));
    this.#running = this.#loop(firstAttempt);
    return this.#connected;
  }

  /** Whether the LISTEN connection is up now (between a LISTEN and its connection's end). */
  get listening(): boolean {
    return this.#listening;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#client?.end().catch(() => undefined);
    await this.#running;
  }

  async #loop(firstAttempt: () => void): Promise<void> {
    const { logger, reconnectMinMs, reconnectMaxMs } = this.#options;
    let delay = 0;
    while (!this.#stopped) {
      const listening = await this.#listenOnce(firstAttempt).catch((error: unknown) => {
        logger.warn({ err: error }, 'LISTEN connection failed; polling until it is back');
        return undefined;
      });
      firstAttempt();
      if (this.#stopped) return;
      if (listening) {
        delay = 0;
        await listening.ended;
        this.#listening = false;
        if (this.#stopped) return;
        logger.warn('LISTEN connection lost; reconnecting');
      }
      delay = nextBackoffMs(delay, reconnectMinMs, reconnectMaxMs);
      await sleep(delay);
    }
  }

  /**
   * Connects and LISTENs; `ended` settles when the connection ends. It is
   * wrapped: an async function that returned the promise itself would not
   * resolve before the connection ended.
   */
  async #listenOnce(onListening: () => void): Promise<{ readonly ended: Promise<void> }> {
    const { connection, channel, onNotify } = this.#options;
    const client = new pg.Client(connection);
    this.#client = client;
    const ended = new Promise<void>((resolve) => {
      client.on('end', resolve);
      client.on('error', () => resolve());
    });
    client.on('notification', onNotify);
    await client.connect();
    await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    this.#listening = true;
    onListening();
    // A NOTIFY sent while we were disconnected is gone; look at the queue now.
    onNotify();
    return { ended };
  }
}
