import type { Logger } from '@nestjs/common';
import { compileGlob, type GlobMatcher } from '../../common/glob.js';
import { SubscriptionRegistry, logListenerError } from '../subscription-registry.js';
import type { RawMessageListener, Unsubscribe } from '../store-driver.interface.js';

const NO_SERVER = { add: async () => undefined, remove: async () => undefined };

/**
 * In-process pub/sub with Redis's semantics: channels and globs, delivery after `publish` resolves
 * (never synchronously inside it), and a receiver count like PUBLISH's for one subscriber
 * connection.
 */
export class MemoryPubSub {
  private readonly channels: SubscriptionRegistry;
  private readonly patterns: SubscriptionRegistry;
  private readonly compiled = new Map<string, GlobMatcher>();

  constructor(logger: Logger) {
    const onListenerError = logListenerError(logger);
    this.channels = new SubscriptionRegistry(NO_SERVER, onListenerError);
    this.patterns = new SubscriptionRegistry(NO_SERVER, onListenerError);
  }

  publish(channel: string, message: string): number {
    const patterns = this.patterns.names().filter((pattern) => this.matcher(pattern)(channel));
    const receivers = (this.channels.has(channel) ? 1 : 0) + patterns.length;
    if (receivers > 0) {
      setImmediate(() => {
        this.channels.dispatch(channel, message, channel);
        for (const pattern of patterns) this.patterns.dispatch(pattern, message, channel);
      });
    }
    return receivers;
  }

  subscribe(channel: string, listener: RawMessageListener): Promise<Unsubscribe> {
    return this.channels.add(channel, listener);
  }

  psubscribe(pattern: string, listener: RawMessageListener): Promise<Unsubscribe> {
    return this.patterns.add(pattern, listener);
  }

  close(): void {
    this.channels.clear();
    this.patterns.clear();
    this.compiled.clear();
  }

  private matcher(pattern: string): GlobMatcher {
    let matcher = this.compiled.get(pattern);
    if (!matcher) {
      matcher = compileGlob(pattern);
      this.compiled.set(pattern, matcher);
    }
    return matcher;
  }
}
