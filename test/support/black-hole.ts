/**
 * A TCP proxy in front of a server that can turn into a black hole: while `swallow()` holds, it
 * accepts connections and reads what they send but never forwards nor answers (a network that
 * silently drops packets, a load balancer over a dead backend). `heal()` drops the swallowed
 * connections (their protocol state is lost) and forwards new ones again. Without a target it is a
 * black hole from the start.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { HOST } from './redis-servers.js';

export class BlackHole {
  private swallowing: boolean;
  private readonly pairs = new Set<[Socket, Socket | null]>();

  private constructor(
    private readonly server: Server,
    private readonly target: number | null,
  ) {
    this.swallowing = target === null;
  }

  /** Listens on a free loopback port, forwarding to `targetPort` (a black hole without one). */
  static async start(targetPort: number | null = null): Promise<BlackHole> {
    const server = createServer();
    const hole = new BlackHole(server, targetPort);
    server.on('connection', (socket) => hole.accept(socket));
    await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
    return hole;
  }

  /** Where clients connect: `redis://127.0.0.1:PORT`. */
  get url(): string {
    return `redis://${HOST}:${this.port}`;
  }

  get port(): number {
    return (this.server.address() as { port: number }).port;
  }

  /** From now on nothing is forwarded or answered, on open connections and new ones. */
  swallow(): void {
    this.swallowing = true;
    for (const [client, upstream] of this.pairs) {
      client.unpipe();
      upstream?.unpipe();
      client.resume(); // keeps reading and drops it: the sender sees no back-pressure
    }
  }

  /** Drops every connection (their streams are out of step) and forwards new ones again. */
  heal(): void {
    this.swallowing = false;
    for (const pair of this.pairs) this.drop(pair);
  }

  async close(): Promise<void> {
    for (const pair of this.pairs) this.drop(pair);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    client.on('error', () => undefined);
    if (this.swallowing || this.target === null) {
      const pair: [Socket, Socket | null] = [client, null];
      this.pairs.add(pair);
      client.resume();
      client.on('close', () => this.pairs.delete(pair));
      return;
    }
    const upstream = createConnection({ host: HOST, port: this.target });
    const pair: [Socket, Socket | null] = [client, upstream];
    this.pairs.add(pair);
    upstream.on('error', () => this.drop(pair));
    client.on('close', () => this.drop(pair));
    upstream.on('close', () => this.drop(pair));
    client.pipe(upstream);
    upstream.pipe(client);
  }

  private drop(pair: [Socket, Socket | null]): void {
    this.pairs.delete(pair);
    pair[0].destroy();
    pair[1]?.destroy();
  }
}
