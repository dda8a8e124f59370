import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
// In your own app: import { SkipRateLimit, StoreHealthIndicator } from 'nestjs-store';
import { SkipRateLimit, StoreHealthIndicator } from '../../lib/index.js';

/** GET /health: every connection of the store, with latency and breaker state (Terminus). */
@Controller('health')
@SkipRateLimit('api')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly store: StoreHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.store.isHealthy('store')]);
  }
}
