import { channel } from 'node:diagnostics_channel';
import type { CacheHttpEvent, CacheHttpStatus } from './cache.events.js';
import { CACHE_HTTP_CHANNEL } from './channel-names.js';

const http = channel(CACHE_HTTP_CHANNEL);

/** The handler a call ran (a `CacheKeyContext` is one). */
export interface HandlerRef {
  className: string;
  methodName: string;
}

/**
 * Publishes `cache.http`: the `X-Cache` status `status` a `@Cacheable` HTTP route answered with.
 * `key` is the route key when the call had one; `reason` says why it bypassed the cache before
 * reading it.
 */
export function publishCacheHttp(
  store: string,
  status: CacheHttpStatus,
  handler: HandlerRef,
  key: string | undefined,
  reason?: string,
): void {
  if (!http.hasSubscribers) return;
  const event: CacheHttpEvent = {
    store,
    status,
    handler: `${handler.className}.${handler.methodName}`,
  };
  if (key !== undefined) event.key = key;
  if (reason !== undefined) event.reason = reason;
  http.publish(event);
}
