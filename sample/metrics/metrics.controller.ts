import { Controller, Get, Header } from '@nestjs/common';
import { register } from 'prom-client';
// In your own app: import { SkipRateLimit } from 'nestjs-store';
import { SkipRateLimit } from '../../lib/index.js';

/**
 * GET /metrics: prom-client's global registry in the Prometheus text format, the store's metrics
 * (`metrics: { prometheus: true }` in app.module.ts) among them. Not rate-limited: a scraper
 * polls it.
 */
@Controller('metrics')
@SkipRateLimit('api')
export class MetricsController {
  @Get()
  @Header('Content-Type', register.contentType)
  metrics(): Promise<string> {
    return register.metrics();
  }
}
