import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { createSampleApp } from './app.factory.js';

/** Runs the sample: `npm run start:sample` (memory driver), or with `REDIS_URL=redis://127.0.0.1:6379` (Redis). */
async function bootstrap(): Promise<void> {
  const app = await createSampleApp();
  // SIGINT/SIGTERM close the app, which lets StoreModule quit its Redis clients cleanly.
  app.enableShutdownHooks();
  await app.listen(Number(process.env.PORT ?? 3000));
  const { port } = app.getHttpServer().address() as AddressInfo;
  new Logger('Sample').log(`Listening on http://localhost:${port} (try GET /users/1, POST /counters/visits, POST /events/greetings)`);
}

bootstrap().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
