// Two brand-new Nest apps, as `nest new` makes them, with the packed tarball installed by
// `npm install <tarball>` from the npm registry like any dependency:
// - Nest 11, CommonJS (no "type"; tsconfig module commonjs; Jest 29 + ts-jest): gets the CommonJS build;
// - Nest 12, ES modules ("type": "module"; tsconfig module nodenext; Jest 30 + ts-jest in ESM mode):
//   gets the ES module build.
// For each: the app's own `npx jest` (StoreService and a @Cacheable route over supertest), then
// `npx tsc` and `node dist/main.js`, and the cached route fetched twice over real HTTP.
// Needs the network to the npm registry. Run by `npm run test:pack` (after `npm run build`);
// KEEP_PACK_SCRATCH=1 keeps the scratch folder.
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  makeScratch,
  npm,
  npx,
  packTarball,
  removeScratch,
  runCommand,
  scratchEnv,
  startServer,
} from './scratch.mjs';

// Bounds for each child process, on a busy 2-core machine. Installs are the slow part (a cold npm
// cache downloads a few hundred packages per app); the two apps install at the same time.
const INSTALL_TIMEOUT_MS = 180_000;
const JEST_TIMEOUT_MS = 120_000;
const TSC_TIMEOUT_MS = 90_000;
const START_TIMEOUT_MS = 30_000;

/** What `nest new` generates, for each flavour, reduced to what these checks use. */
const APPS = {
  'Nest 11, CommonJS': {
    folder: 'nest11-cjs',
    manifest: {
      name: 'nest11-cjs-app',
      version: '0.0.1',
      private: true,
      scripts: {
        build: 'tsc -p tsconfig.build.json',
        'start:prod': 'node dist/main',
        test: 'jest',
      },
      dependencies: {
        '@nestjs/common': '^11',
        '@nestjs/core': '^11',
        '@nestjs/platform-express': '^11',
        '@nestjs/testing': '^11',
        ioredis: '*', // the newest, as `npm install ioredis` picks; the peer range takes ^5 and ^6
        'reflect-metadata': '^0.2',
        rxjs: '^7',
      },
      devDependencies: {
        '@types/jest': '^29',
        '@types/node': '^20',
        '@types/supertest': '^6',
        jest: '^29',
        supertest: '^7',
        'ts-jest': '^29',
        typescript: '~5.9',
      },
      jest: {
        moduleFileExtensions: ['js', 'json', 'ts'],
        rootDir: 'src',
        testRegex: '.*\\.spec\\.ts$',
        transform: { '^.+\\.(t|j)s$': 'ts-jest' },
        collectCoverageFrom: ['**/*.(t|j)s'],
        coverageDirectory: '../coverage',
        testEnvironment: 'node',
      },
    },
    tsconfig: {
      compilerOptions: {
        module: 'commonjs',
        declaration: true,
        removeComments: true,
        emitDecoratorMetadata: true,
        experimentalDecorators: true,
        allowSyntheticDefaultImports: true,
        target: 'ES2021',
        sourceMap: true,
        outDir: './dist',
        baseUrl: './',
        incremental: true,
        skipLibCheck: true,
        strictNullChecks: false,
        noImplicitAny: false,
        strictBindCallApply: false,
        forceConsistentCasingInFileNames: false,
        noFallthroughCasesInSwitch: false,
      },
    },
    // Jest on CommonJS: no NODE_OPTIONS (the repo's --experimental-vm-modules must not leak in).
    jestEnv: { NODE_OPTIONS: undefined },
    ext: '', // relative imports as a CommonJS Nest app writes them
    supertestImport: "import * as request from 'supertest';",
    build: 'commonjs',
  },
  'Nest 12, ES modules': {
    folder: 'nest12-esm',
    manifest: {
      name: 'nest12-esm-app',
      version: '0.0.1',
      private: true,
      type: 'module',
      scripts: {
        build: 'tsc -p tsconfig.build.json',
        'start:prod': 'node dist/main',
        test: 'NODE_OPTIONS=--experimental-vm-modules jest',
      },
      dependencies: {
        '@nestjs/common': '^12',
        '@nestjs/core': '^12',
        '@nestjs/platform-express': '^12',
        '@nestjs/testing': '^12',
        ioredis: '*', // the newest, as `npm install ioredis` picks; the peer range takes ^5 and ^6
        'reflect-metadata': '^0.2',
        rxjs: '^7',
      },
      devDependencies: {
        '@types/jest': '^30',
        '@types/node': '^20',
        '@types/supertest': '^6',
        jest: '^30',
        supertest: '^7',
        'ts-jest': '^29',
        typescript: '~5.9',
      },
      jest: {
        preset: 'ts-jest/presets/default-esm',
        moduleFileExtensions: ['js', 'json', 'ts'],
        rootDir: 'src',
        testRegex: '.*\\.spec\\.ts$',
        moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
        transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
        testEnvironment: 'node',
      },
    },
    tsconfig: {
      compilerOptions: {
        module: 'nodenext',
        moduleResolution: 'nodenext',
        resolvePackageJsonExports: true,
        esModuleInterop: true,
        isolatedModules: true,
        declaration: true,
        removeComments: true,
        emitDecoratorMetadata: true,
        experimentalDecorators: true,
        allowSyntheticDefaultImports: true,
        target: 'ES2023',
        sourceMap: true,
        outDir: './dist',
        baseUrl: './',
        incremental: true,
        skipLibCheck: true,
        strictNullChecks: true,
        forceConsistentCasingInFileNames: true,
        noImplicitAny: false,
        strictBindCallApply: false,
        noFallthroughCasesInSwitch: false,
      },
    },
    jestEnv: { NODE_OPTIONS: '--experimental-vm-modules' },
    ext: '.js', // nodenext: relative imports name the emitted file
    supertestImport: "import request from 'supertest';",
    build: 'module',
  },
};

let scratch;
let tarball;
/** One install per app, started together in `before`; each app's tests wait for their own. */
const installs = new Map();

before(async () => {
  scratch = await makeScratch('nestjs-store-apps-');
  tarball = await packTarball(scratch);
  for (const [title, app] of Object.entries(APPS)) {
    const dir = join(scratch, app.folder);
    const install = writeApp(dir, app).then(() =>
      runCommand(
        npm,
        ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', tarball],
        {
          cwd: dir,
          timeoutMs: INSTALL_TIMEOUT_MS,
          label: `${title}: npm install`,
        },
      ),
    );
    install.catch(() => {}); // awaited by the app's tests; this only keeps a failure from being "unhandled" meanwhile
    installs.set(
      title,
      install.then(() => dir),
    );
  }
});

after(() => removeScratch(scratch));

// The two apps' checks run side by side (installs, then Jest and tsc, overlap on I/O); each
// app's own steps run in order.
describe('real Nest apps with the packed tarball from npm install', { concurrency: 2 }, () => {
  for (const [title, app] of Object.entries(APPS)) {
    describe(title, { concurrency: 1 }, () => {
      let dir;

      it(
        'installs nestjs-store from the tarball',
        { timeout: INSTALL_TIMEOUT_MS + 10_000 },
        async () => {
          dir = await installs.get(title);
          const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
          assert.match(
            manifest.dependencies['nestjs-store'] ?? '',
            /^file:.*\.tgz$/,
            'npm install <tarball> recorded it',
          );
        },
      );

      it(
        "passes the app's own jest (StoreService, and the @Cacheable route over supertest)",
        { timeout: JEST_TIMEOUT_MS + 10_000 },
        async () => {
          assert.ok(dir, 'installed');
          const { output } = await runCommand(npx, ['--no', '--', 'jest', '--ci'], {
            cwd: dir,
            env: scratchEnv(app.jestEnv),
            timeoutMs: JEST_TIMEOUT_MS,
            label: `${title}: npx jest`,
          });
          assert.match(output, /Tests:\s+3 passed, 3 total/, output);
        },
      );

      it(
        'builds with tsc, starts, and serves the second request from the cache over HTTP',
        { timeout: TSC_TIMEOUT_MS + START_TIMEOUT_MS + 30_000 },
        async () => {
          assert.ok(dir, 'installed');
          await runCommand(npx, ['--no', '--', 'tsc', '-p', 'tsconfig.build.json'], {
            cwd: dir,
            timeoutMs: TSC_TIMEOUT_MS,
            label: `${title}: npx tsc`,
          });

          const server = await startServer(join(dir, 'dist', 'main.js'), {
            cwd: dir,
            env: scratchEnv({ PORT: '0' }), // the app listens on a free port and prints it
            ready: /^listening on http:\/\/127\.0\.0\.1:(\d+) with nestjs-store build (\S+)$/m,
            timeoutMs: START_TIMEOUT_MS,
          });
          try {
            const [, port, builds] = server.match;
            assert.equal(builds, app.build, `the app loaded the ${app.build} build, and only it`);
            const url = `http://127.0.0.1:${port}/counter`;
            const first = await fetch(url, { signal: AbortSignal.timeout(10_000) });
            const firstBody = await first.text();
            const second = await fetch(url, { signal: AbortSignal.timeout(10_000) });
            const secondBody = await second.text();
            assert.equal(first.status, 200, firstBody);
            assert.equal(second.status, 200, secondBody);
            assert.deepEqual(JSON.parse(firstBody), { calls: 1 });
            assert.equal(secondBody, firstBody, 'the second call is the cached answer');
            assert.equal(first.headers.get('x-cache'), 'MISS');
            assert.equal(second.headers.get('x-cache'), 'HIT');
          } finally {
            const { exit, output } = await server.stop();
            // Nest's shutdown hooks close the app on SIGTERM and re-raise it; either way it must end.
            assert.ok(
              exit === 0 || exit === 'SIGTERM',
              `the app did not stop cleanly on SIGTERM (${exit}):\n${output}`,
            );
          }
        },
      );
    });
  }
});

/** Writes the app: package.json, tsconfigs, and src/ (module, controller, main, spec). */
async function writeApp(dir, app) {
  const files = {
    'package.json': `${JSON.stringify(app.manifest, null, 2)}\n`,
    'tsconfig.json': `${JSON.stringify(app.tsconfig, null, 2)}\n`,
    'tsconfig.build.json': `${JSON.stringify({ extends: './tsconfig.json', exclude: ['node_modules', 'test', 'dist', '**/*spec.ts'] }, null, 2)}\n`,
    'src/loaded-builds.ts': LOADED_BUILDS_TS,
    'src/counter.controller.ts': COUNTER_CONTROLLER_TS,
    'src/app.module.ts': APP_MODULE_TS(app.ext),
    'src/main.ts': MAIN_TS(app.ext),
    'src/app.spec.ts': APP_SPEC_TS(app),
  };
  for (const [name, text] of Object.entries(files)) {
    const path = join(dir, name);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text);
  }
}

const LOADED_BUILDS_TS = `/** The builds of nestjs-store this process has loaded: each records its format on globalThis when it loads. */
export function loadedBuilds(): string {
  const registry = (globalThis as unknown as Record<symbol, Iterable<string> | undefined>)[Symbol.for('nestjs-store.loaded-builds')];
  return [...(registry ?? [])].sort().join('+');
}
`;

const COUNTER_CONTROLLER_TS = `import { Controller, Get } from '@nestjs/common';
import { Cacheable } from 'nestjs-store';

@Controller()
export class CounterController {
  private calls = 0;

  /** Counts the calls that reach it: a cached answer repeats the count. */
  @Get('counter')
  @Cacheable({ ttl: '1m' })
  counter(): { calls: number } {
    this.calls += 1;
    return { calls: this.calls };
  }
}
`;

const APP_MODULE_TS = (ext) => `import { Module } from '@nestjs/common';
import { StoreModule } from 'nestjs-store';
import { CounterController } from './counter.controller${ext}';

@Module({
  imports: [StoreModule.forRoot({ driver: 'memory' })],
  controllers: [CounterController],
})
export class AppModule {}
`;

const MAIN_TS = (ext) => `import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module${ext}';
import { loadedBuilds } from './loaded-builds${ext}';

async function bootstrap() {
  const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
  app.enableShutdownHooks();
  await app.listen(process.env.PORT ?? 3000, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  // The test waits for this line (PORT=0 picks a free port).
  console.log(\`listening on http://127.0.0.1:\${port} with nestjs-store build \${loadedBuilds()}\`);
}
bootstrap();
`;

const APP_SPEC_TS = (app) => `import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { StoreService } from 'nestjs-store';
${app.supertestImport}
import { AppModule } from './app.module${app.ext}';
import { loadedBuilds } from './loaded-builds${app.ext}';

describe('AppModule with nestjs-store', () => {
  let app: INestApplication;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleRef.createNestApplication({ logger: ['error', 'warn'] });
    // Listening (rather than init()) keeps one Host:port for both requests: supertest would otherwise
    // listen on a new port per request, and the default cache key of a GET includes the host.
    await app.listen(0, '127.0.0.1');
  });

  afterAll(async () => {
    await app?.close();
  });

  it('loads the ${app.build} build of nestjs-store, and only it', () => {
    expect(loadedBuilds()).toBe('${app.build}');
  });

  it('gives StoreService, which sets and gets', async () => {
    const store = app.get(StoreService);
    await store.set('greeting', { hello: 'jest' }, { ttl: 60 });
    await expect(store.get('greeting')).resolves.toEqual({ hello: 'jest' });
  });

  it('answers the second call of the @Cacheable route from the cache', async () => {
    const first = await request(app.getHttpServer()).get('/counter').expect(200);
    const second = await request(app.getHttpServer()).get('/counter').expect(200);
    expect(first.body).toEqual({ calls: 1 });
    expect(second.body).toEqual(first.body);
    expect(first.headers['x-cache']).toBe('MISS');
    expect(second.headers['x-cache']).toBe('HIT');
  });
});
`;
