import {
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import { skip } from 'rxjs';
import { StoreValidationError, describe, messageOf } from '../../errors/store.errors.js';
import { LateSubscription } from '../../engine/pubsub/late-subscription.js';
import type { StoreService } from '../../store/store.service.js';
import { DEFAULT_STORE_NAME, type StoreTokens } from '../store.tokens.js';
import { storeVisibleTo } from '../visible-store.js';
import type { OnChannelListener, OnChannelMetadata } from './on-channel.decorator.js';
import { ON_CHANNEL_METADATA } from './pubsub.constants.js';
import type {
  StoreMessageHandler,
  StoreSubscriptionTarget,
} from '../../engine/pubsub/store-pubsub.js';

/**
 * Subscribes every provider method marked `@OnChannel` once the application has booted (with the
 * store reachable, every subscription is confirmed before `app.init()` / `listen()` resolves, so no
 * message published after start-up is missed; without it, each is made once the store is back)
 * and unsubscribes them when it shuts down.
 *
 * One explorer per store: it subscribes the listeners that name its store (`store` option), through
 * the store the provider's module sees (a `forFeature({ namespace })` namespace), else the root
 * store.
 */
export class OnChannelExplorer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('OnChannel');
  private subscriptions: LateSubscription[] = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    private readonly root: StoreService,
    private readonly tokens: StoreTokens,
  ) {}

  /**
   * Nest hook: subscribes every `@OnChannel` method. A listener whose store cannot be reached is
   * subscribed once it can (tried again on every reconnect and every second): the application boots
   * without Redis.
   */
  async onApplicationBootstrap(): Promise<void> {
    const listeners = this.discovery.getProviders().flatMap((wrapper) => this.listenersOf(wrapper));
    this.subscriptions = listeners.map((listener) => this.lateSubscription(listener));
    await Promise.all(this.subscriptions.map((subscription) => subscription.start()));
  }

  /** Nest hook: unsubscribes them, before the store closes its connections. */
  async beforeApplicationShutdown(): Promise<void> {
    const subscriptions = this.subscriptions.splice(0);
    await Promise.allSettled(subscriptions.map((subscription) => subscription.close()));
  }

  private lateSubscription({ store, target, handler }: Listener): LateSubscription {
    const name = typeof target === 'string' ? target : `pattern ${target.pattern}`;
    let waited = false;
    return new LateSubscription({
      subscribe: () => store.subscribe(target, handler),
      onConnectionState: (listener) => {
        const states = store.connectionState$.pipe(skip(1)).subscribe(listener);
        return () => states.unsubscribe();
      },
      onWaiting: (error) => {
        if (!waited)
          this.logger.warn(`${name}: subscribing once the store is back (${error.message})`);
        waited = true;
      },
      onEstablished: () => {
        if (waited) this.logger.log(`${name}: subscribed, the store is back`);
      },
      onFailed: (error) => this.logger.error(`${name}: not subscribed: ${messageOf(error)}`),
    });
  }

  private listenersOf(wrapper: InstanceWrapper): Listener[] {
    const instance: unknown = wrapper.instance;
    if (instance === null || typeof instance !== 'object' || wrapper.isAlias) return [];
    const prototype = Object.getPrototypeOf(instance) as object | null;
    return this.scanner.getAllMethodNames(prototype).flatMap((methodName) => {
      const method = (instance as Record<string, unknown>)[methodName];
      if (typeof method !== 'function') return [];
      const listeners = this.reflector
        .get<OnChannelMetadata | undefined>(ON_CHANNEL_METADATA, method)
        ?.filter((listener) => this.listensHere(listener));
      if (!listeners?.length) return [];
      const where = `${instance.constructor.name}.${methodName}`;
      if (!wrapper.isDependencyTreeStatic()) {
        this.logger.warn(
          `${where}: request-scoped or transient providers are not subscribed; @OnChannel ignored`,
        );
        return [];
      }
      const store = storeVisibleTo(wrapper, this.tokens.store) ?? this.root;
      const handler = (message: unknown, channel: string) =>
        method.call(instance, message, channel) as void | Promise<void>;
      return listeners.map(({ target }) => ({ store, target: checked(target, where), handler }));
    });
  }

  private listensHere(listener: OnChannelListener): boolean {
    return (listener.store ?? DEFAULT_STORE_NAME) === this.tokens.name;
  }
}

/** One `@OnChannel` method, bound to its instance, and the store it listens through. */
interface Listener {
  store: StoreService;
  target: StoreSubscriptionTarget;
  handler: StoreMessageHandler<unknown>;
}

function checked(target: unknown, where: string): StoreSubscriptionTarget {
  const valid =
    typeof target === 'string' ||
    (typeof target === 'object' &&
      target !== null &&
      typeof (target as { pattern?: unknown }).pattern === 'string');
  if (!valid)
    throw new StoreValidationError(
      `@OnChannel on ${where}: expected a channel name or { pattern }, got ${describe(target)}`,
    );
  return target as StoreSubscriptionTarget;
}
