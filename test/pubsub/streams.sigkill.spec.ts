import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { StreamMessage } from '../../lib/index.js';
import { StoreFixtures, waitFor, type StoreFixture } from '../contract/store-fixture.js';
import { harnessInfo } from '../support/harness-info.js';
import { record } from './observe.js';

/*
 * A stream consumer in a separate Node process, running the compiled library, killed with SIGKILL
 * in the middle of a batch: no shutdown hook, no close, no last acknowledgement.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The consumer process: takes a batch of 4 on "orders" as consumer "a", acknowledges m0 and m1 only, reports each message. */
const CONSUMER = `
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { StoreModule, StoreService } from './lib/index.js';
const [url, keyPrefix] = process.argv.slice(2);
const app = await NestFactory.createApplicationContext(StoreModule.forRoot({ redis: url, keyPrefix }), { logger: false });
app.get(StoreService).stream('orders', { group: 'workers', consumer: 'a', batchSize: 4 }).subscribe(async (m) => {
  if (m.message === 'm0' || m.message === 'm1') await m.ack();
  process.stdout.write('handled ' + m.message + '\\n');
});
`;

describe('durable streams: a consumer process killed with SIGKILL mid-batch', () => {
  const fixtures = new StoreFixtures(() => ({ redis: harnessInfo().standaloneUrl }));
  let buildDir: string;
  let fixture: StoreFixture;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    // Inside the project, so the child resolves @nestjs/*, ioredis and rxjs from its node_modules.
    await mkdir(join(ROOT, '.tmp'), { recursive: true });
    buildDir = await mkdtemp(join(ROOT, '.tmp', 'sigkill-'));
    await promisify(execFile)(
      'npx',
      [
        'tsc',
        '-p',
        'tsconfig.build.json',
        '--outDir',
        join(buildDir, 'lib'),
        '--declaration',
        'false',
        '--sourceMap',
        'false',
      ],
      { cwd: ROOT },
    );
    await writeFile(join(buildDir, 'package.json'), '{ "type": "module" }');
    await writeFile(join(buildDir, 'consumer.mjs'), CONSUMER);
    fixture = await fixtures.open();
  }, 60_000);

  afterAll(async () => {
    child?.kill('SIGKILL');
    await fixtures.closeAll();
    await rm(buildDir, { recursive: true, force: true });
  });

  const pending = async (): Promise<number> => {
    const summary = (await fixture.store.client.call(
      'xpending',
      `${fixture.prefix}orders`,
      'workers',
    )) as unknown[];
    return Number(summary[0]);
  };

  it('its unacknowledged messages go to another consumer; nothing is lost, nothing was acknowledged unhandled', async () => {
    const { store } = fixture;
    // The group exists before anything is appended, so the child (starting from '$') reads m0-m3.
    await store.client.call(
      'xgroup',
      'create',
      `${fixture.prefix}orders`,
      'workers',
      '$',
      'mkstream',
    );
    for (const message of ['m0', 'm1', 'm2', 'm3']) await store.append('orders', message);

    const handledByA: string[] = [];
    child = spawn(
      process.execPath,
      [join(buildDir, 'consumer.mjs'), harnessInfo().standaloneUrl, fixture.prefix],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    child.stdout!.on('data', (chunk: Buffer) =>
      handledByA.push(
        ...chunk
          .toString()
          .trim()
          .split('\n')
          .map((line) => line.replace('handled ', '')),
      ),
    );
    await waitFor(() => handledByA.length === 4, 15_000, 'the child to receive its batch of 4');
    // m0 and m1 were handled and acknowledged; m2 and m3 were handed over and are still pending.
    await waitFor(async () => (await pending()) === 2, 5_000, 'two acknowledgements');

    child.kill('SIGKILL');
    await new Promise((resolve) => child!.once('exit', resolve));
    expect(await pending()).toBe(2);
    for (const message of ['m4', 'm5']) await store.append('orders', message);

    const b = record(
      store.stream<string>('orders', { group: 'workers', consumer: 'b', claimIdleMs: 200 }),
      (m: StreamMessage<string>) => void m.ack(),
    );
    await waitFor(
      () => b.values.length === 4,
      10_000,
      'B to get the 2 taken over and the 2 new messages',
    );
    expect(handledByA.sort()).toEqual(['m0', 'm1', 'm2', 'm3']);
    expect(
      b.values
        .filter((m) => m.deliveryCount === 2)
        .map((m) => m.message)
        .sort(),
    ).toEqual(['m2', 'm3']);
    expect(
      b.values
        .filter((m) => m.deliveryCount === 1)
        .map((m) => m.message)
        .sort(),
    ).toEqual(['m4', 'm5']);
    await waitFor(async () => (await pending()) === 0, 5_000, 'an empty pending list');
    b.subscription.unsubscribe();
  });
});
