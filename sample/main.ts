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
 */
async function bootstrap(): Promise<void> {
  const app = await createSampleApp();
  // SIGINT/SIGTERM close the app, which lets StoreModule quit its Redis clients cleanly.
  app.enableShutdownHooks();
  await app.listen(Number(process.env.PORT ?? 3000));
  const { port } = app.getHttpServer().address() as AddressInfo;
  new Logger('Sample').log(`Listening on http://localhost:${port} (try GET /users/1 twice and watch X-Cache, GET /users/stats, POST /counters/visits, POST /events/greetings)`);
}

bootstrap().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
