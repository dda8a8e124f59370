import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { createSampleApp } from './app.factory.js';

/**
 * Runs the sample: `npm run start:sample` (memory driver), or with `REDIS_URL=redis://127.0.0.1:6379`
 * (Redis, with the L1 tier). Then:
 *
 *   curl -i localhost:3000/users/1        # X-Cache: MISS, ~50 ms: loaded from the "database", then cached
 *   curl -i localhost:3000/users/1        # X-Cache: HIT, ~1 ms
 *   curl -i localhost:3000/users/1 -H 'authorization: Bearer x'   # X-Cache: BYPASS: never a shared entry
 *   curl -X PUT localhost:3000/users/1 -H 'content-type: application/json' -d '{"name":"Ada King"}'
 *   curl -i localhost:3000/users/1        # X-Cache: MISS: the PUT invalidated tag user:1 (and users:list)
 *   curl -i localhost:3000/users          # the list, cached under users:list
 *   curl localhost:3000/users/stats       # UsersService.stats(), a @Cacheable provider method (30 s)
 *   curl -X POST localhost:3000/counters/visits
 *   curl -X POST localhost:3000/events/greetings -H 'content-type: application/json' -d '{"text":"hi"}'
 *
 * Rate limits: every route has the 'api' token bucket (100 per 10 s per client IP and route);
 * responses carry X-RateLimit-Limit/-Remaining/-Reset and the IETF RateLimit-Policy / RateLimit:
 *
 *   curl -i localhost:3000/counters/visits   # X-RateLimit-Limit: 100, RateLimit-Policy: "api";q=100;w=10
 *   curl -i localhost:3000/events            # @SkipRateLimit('api'): no rate-limit headers
 *   curl -X POST localhost:3000/auth/login -H 'content-type: application/json' -d '{"username":"ada","password":"lovelace"}'
 *                                            # {"token":"demo-token"}; a wrong password: 401
 *   for i in 1 2 3 4 5 6; do curl -s -o /dev/null -w '%{http_code}\n' -X POST localhost:3000/auth/login \
 *     -H 'content-type: application/json' -d '{"username":"ada","password":"x"}'; done
 *                                            # 401 until 5 attempts in a minute (the login above counts too),
 *                                            # then 429 with Retry-After: the 'login' policy (sliding window)
 *                                            # blocks the client for 5 min, right password or not
 */
async function bootstrap(): Promise<void> {
  const app = await createSampleApp();
  // SIGINT/SIGTERM close the app, which lets StoreModule quit its Redis clients cleanly.
  app.enableShutdownHooks();
  await app.listen(Number(process.env.PORT ?? 3000));
  const { port } = app.getHttpServer().address() as AddressInfo;
  new Logger('Sample').log(
    `Listening on http://localhost:${port} (try GET /users/1 twice and watch X-Cache, GET /users/stats, POST /counters/visits, POST /events/greetings, POST /auth/login, GET /health, GET /metrics)`,
  );
}

bootstrap().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
