import type { INestApplication, NestApplicationOptions } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule, type SampleConfig } from './app.module.js';

export type { SampleConfig } from './app.module.js';

/** The sample's configuration from the environment: `REDIS_URL` (unset: memory driver) and `STORE_KEY_PREFIX`. */
export function sampleConfigFromEnv(env: NodeJS.ProcessEnv = process.env): SampleConfig {
  return { redisUrl: env.REDIS_URL || undefined, keyPrefix: env.STORE_KEY_PREFIX ?? 'sample:' };
}

/** Creates (but does not start) the sample application; tests call it with their own config and `listen(0)`. */
export function createSampleApp(
  config: SampleConfig = sampleConfigFromEnv(),
  options: NestApplicationOptions = {},
): Promise<INestApplication> {
  return NestFactory.create(AppModule.forRoot(config), options);
}
