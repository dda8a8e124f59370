import {
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import { StoreValidationError, describe } from '../../errors/store.errors.js';
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
 * Subscribes every provider method marked `@OnChannel` once the application has booted (every
 * subscription confirmed before `app.init()` / `listen()` resolves, so no message published after
 * start-up is missed) and unsubscribes them when it shuts down.
 *
 * One explorer per store: it subscribes the listeners that name its store (`store` option), through
 * the store the provider's module sees (a `forFeature({ namespace })` namespace), else the root
 * store.
 */
export class OnChannelExplorer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('OnChannel');
  private unsubscribes: Array<() => Promise<void>> = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    private readonly root: StoreService,
    private readonly tokens: StoreTokens,
  ) {}

  /** Nest hook: subscribes every `@OnChannel` method. */
  async onApplicationBootstrap(): Promise<void> {
    const subscriptions = this.discovery
      .getProviders()
      .flatMap((wrapper) => this.listenersOf(wrapper));
    this.unsubscribes = await Promise.all(
      subscriptions.map(({ store, target, handler }) => store.subscribe(target, handler)),
    );
  }

  /** Nest hook: unsubscribes them, before the store closes its connections. */
  async beforeApplicationShutdown(): Promise<void> {
    const unsubscribes = this.unsubscribes.splice(0);
    await Promise.allSettled(unsubscribes.map((unsubscribe) => unsubscribe()));
  }

  private listenersOf(wrapper: InstanceWrapper): Array<{
    store: StoreService;
    target: StoreSubscriptionTarget;
    handler: StoreMessageHandler<unknown>;
  }> {
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
