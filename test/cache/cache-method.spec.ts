import 'reflect-metadata';
import { jest } from '@jest/globals';
import { Injectable, Logger, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  Cacheable,
  CacheEvict,
  StoreModule,
  StoreService,
  type StoreModuleOptions,
} from '../../lib/index.js';
import { harnessInfo } from '../support/harness-info.js';
import { testKeyPrefix } from '../support/key-prefix.js';
import { called, calls, count } from './cache-test.controllers.js';

@Injectable()
class UsersRepository {
  @Cacheable({ key: 'user:{id}', ttl: 60, tags: ['users', 'user:{id}'] })
  async findOne(id: string) {
    return { id, n: called(`find:${id}`) };
  }

  @Cacheable({ key: 'pair:{0}:{1}', ttl: 60 })
  async pair(a: string, b: number) {
    return `${a}-${b}-${called('pair')}`;
  }

  @Cacheable({ key: 'owner:{user.id}', ttl: 60 })
  async ofOwner(user: { id: number }) {
    return called(`owner:${user.id}`);
  }

  @Cacheable({ ttl: 60 })
  async byDefault(page: number, active: boolean) {
    return { page, active, n: called('default') };
  }

  @Cacheable({ ttl: 60, unless: (result) => result === null })
  async maybe(id: string) {
    called(`maybe:${id}`);
    return id === 'none' ? null : id;
  }

  @CacheEvict({ keys: ['user:{id}'] })
  async update(id: string) {
    return called(`update:${id}`);
  }

  @CacheEvict({ keys: ['user:{id}'] })
  async updateFails(id: string) {
    called(`update-fail:${id}`);
    throw new Error('write failed');
  }

  @CacheEvict({ tags: ['users'] })
  async clearUsers() {
    return true;
  }

  @CacheEvict({ all: true })
  async flush() {
    return true;
  }

  @Cacheable({ key: 'sync:{0}' })
  syncMethod(x: number) {
    return x * called('sync');
  }

  @Cacheable({ key: 'promised:{0}', ttl: 60 })
  promised(x: number) {
    return Promise.resolve(x + called('promised') * 100);
  }
}

/** A consumer: gets the repository injected and calls it like any app code would. */
@Injectable()
class UsersService {
  constructor(readonly repository: UsersRepository) {}
}

const SETUPS: Array<[string, () => StoreModuleOptions]> = [
  [
    'Redis',
    () => ({ redis: harnessInfo().standaloneUrl, keyPrefix: testKeyPrefix('cache-method') }),
  ],
  ['memory', () => ({ driver: 'memory' })],
];

describe.each(SETUPS)('@Cacheable / @CacheEvict on provider methods (%s)', (_name, options) => {
  let app: INestApplicationContext;
  let repo: UsersRepository;
  let store: StoreService;
  const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);

  beforeAll(async () => {
    @Module({
      imports: [StoreModule.forRoot(options())],
      providers: [
        UsersRepository,
        {
          provide: UsersService,
          useFactory: (r: UsersRepository) => new UsersService(r),
          inject: [UsersRepository],
        },
      ],
    })
    class AppModule {}
    app = await NestFactory.createApplicationContext(AppModule, { logger: false });
    repo = app.get(UsersService).repository;
    store = app.get(StoreService);
  });

  afterAll(async () => {
    await app.close();
    warn.mockClear();
  });

  beforeEach(async () => {
    calls.clear();
    await store.deleteByPattern('*');
  });

  it('caches by arguments named in the key template', async () => {
    expect(await repo.findOne('1')).toEqual({ id: '1', n: 1 });
    expect(await repo.findOne('1')).toEqual({ id: '1', n: 1 });
    expect(await repo.findOne('2')).toEqual({ id: '2', n: 1 });
    expect(count('find:1')).toBe(1);
    expect(await store.has('cache:user:1')).toBe(true);
  });

  it('fills positional and dotted placeholders', async () => {
    expect(await repo.pair('a', 1)).toBe('a-1-1');
    expect(await repo.pair('a', 1)).toBe('a-1-1');
    expect(await repo.pair('a', 2)).toBe('a-2-2');
    expect(await repo.ofOwner({ id: 7 })).toBe(1);
    expect(await repo.ofOwner({ id: 7 })).toBe(1);
    expect(await store.has('cache:owner:7')).toBe(true);
  });

  it('keys methods without a template by class, method and arguments', async () => {
    await repo.byDefault(2, true);
    expect(await repo.byDefault(2, true)).toEqual({ page: 2, active: true, n: 1 });
    expect(await store.has('cache:method:UsersRepository.byDefault:[2,true]')).toBe(true);
  });

  it('does not store results rejected by unless', async () => {
    await repo.maybe('none');
    await repo.maybe('none');
    await repo.maybe('x');
    await repo.maybe('x');
    expect([count('maybe:none'), count('maybe:x')]).toEqual([2, 1]);
  });

  it('evicts after success and never when the method throws', async () => {
    await repo.findOne('1');
    await expect(repo.updateFails('1')).rejects.toThrow('write failed');
    await repo.findOne('1');
    expect(count('find:1')).toBe(1);
    await repo.update('1');
    expect(await repo.findOne('1')).toEqual({ id: '1', n: 2 });
  });

  it('evicts by tag and everything with all', async () => {
    await repo.findOne('1');
    await repo.clearUsers();
    await repo.findOne('1');
    await repo.pair('a', 1);
    await store.set('own-key', 'kept');
    await repo.flush();
    await repo.findOne('1');
    await repo.pair('a', 1);
    expect([count('find:1'), count('pair')]).toEqual([3, 2]);
    expect(await store.get('own-key')).toBe('kept');
  });

  it('leaves synchronous methods alone (and warns once)', async () => {
    expect(repo.syncMethod(2)).toBe(2);
    expect(repo.syncMethod(2)).toBe(4);
    expect(
      warn.mock.calls.filter(([message]) => String(message).includes('syncMethod')),
    ).toHaveLength(1);
  });

  it('wraps promise-returning methods that are not async from their second call', async () => {
    expect(await repo.promised(1)).toBe(101);
    expect(await repo.promised(1)).toBe(201);
    expect(await repo.promised(1)).toBe(201);
  });
});
