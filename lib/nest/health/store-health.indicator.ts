import { Inject, Injectable, type Type } from '@nestjs/common';
import type { StoreService } from '../../store/store.service.js';
import type { StoreProbe } from '../../store/store-probe.interface.js';
import { STORE_ROOT } from '../store.constants.js';
import { bindToStore } from '../store-bound.js';

/** One store's entry in a health report: Terminus's `up` / `down` and what the probe found. */
export interface StoreHealthStatus extends Omit<StoreProbe, 'healthy'> {
  status: 'up' | 'down';
}

/**
 * What `StoreHealthIndicator.isHealthy` answers: a `HealthIndicatorResult` of `@nestjs/terminus`,
 * which `HealthCheckService.check` reads as it is (no dependency on Terminus here).
 */
export type StoreHealthResult = Record<string, StoreHealthStatus>;

/**
 * A health indicator for `@nestjs/terminus`: probes every connection the store holds (a PING on
 * the command connection, each Cluster master and the subscriber, with its latency; the stream
 * readers' state; each breaker's state) and reports `up` only when all answered. Bounded like any
 * call (`commandTimeout`), and at once while a breaker is open.
 * `StoreHealthIndicator.forStore(name)` is the indicator of a named store.
 *
 * @example
 * ```ts
 * @Get('health') @HealthCheck()
 * check() { return this.health.check([() => this.store.isHealthy('store')]); }
 * ```
 */
@Injectable()
export class StoreHealthIndicator {
  constructor(@Inject(STORE_ROOT) private readonly store: StoreService) {}

  /** The indicator of the store registered as `name` (`forRoot({ name })`). */
  static forStore(name?: string): Type<StoreHealthIndicator> {
    return bindToStore(StoreHealthIndicator, name, (tokens) => [{ token: tokens.root }]);
  }

  /** Probes the store; `key` names it in the report. */
  async isHealthy(key = 'store'): Promise<StoreHealthResult> {
    const { healthy, ...found } = await this.store.probe();
    return { [key]: { status: healthy ? 'up' : 'down', ...found } };
  }
}
