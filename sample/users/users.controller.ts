import {
  BadRequestException,
  Body,
  Controller,
  Get,
  Param,
  ParseIntPipe,
  Put,
} from '@nestjs/common';
// In your own app: import { CacheEvict, Cacheable } from 'nestjs-store';
import { CacheEvict, Cacheable } from '../../lib/index.js';
import type { User } from './users.database.js';
import { type UserStats, UsersService } from './users.service.js';

/**
 * Users over HTTP, cached by decorators: `@Cacheable` answers GETs from the store (response header
 * `X-Cache: HIT | MISS | STALE`, or `BYPASS` for requests carrying `Authorization` or a cookie, which
 * never share an entry), and `@CacheEvict` invalidates by tag after a successful write, so no code
 * has to know which keys hold a user. Templates such as `'user:{id}'` are filled from route params.
 * Only 2xx results are cached: a 404 for a missing user is not.
 */
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  /** Tag `users` on every entry: `store.invalidateTags(['users'])` drops them all at once. */
  @Get()
  @Cacheable({ key: 'users:list', ttl: 60, tags: ['users', 'users:list'] })
  findAll(): Promise<User[]> {
    return this.users.findAll();
  }

  /** Not cached here: `UsersService.stats()` is (a provider-method cache). Declared before `:id`. */
  @Get('stats')
  stats(): Promise<UserStats> {
    return this.users.stats();
  }

  /** `grace: '5m'`: once the 60 s are over, the old user is served for up to 5 min while one background reload runs. */
  @Get(':id')
  @Cacheable({ key: 'user:{id}', ttl: 60, tags: ['users', 'user:{id}'], grace: '5m' })
  findOne(@Param('id', ParseIntPipe) id: number): Promise<User> {
    return this.users.findOne(id);
  }

  /**
   * Body: `{ "name"?: string, "email"?: string }`. After success, invalidates this user's entry and
   * the list (both at once, atomically); other users stay cached. A failed update evicts nothing.
   */
  @Put(':id')
  @CacheEvict({ tags: ['user:{id}', 'users:list'] })
  update(@Param('id', ParseIntPipe) id: number, @Body() body: unknown): Promise<User> {
    return this.users.update(id, userChanges(body));
  }
}

function userChanges(body: unknown): Partial<Omit<User, 'id'>> {
  const { name, email } = (body ?? {}) as Record<string, unknown>;
  const changes: Partial<Omit<User, 'id'>> = {};
  if (name !== undefined) changes.name = requireString(name, 'name');
  if (email !== undefined) changes.email = requireString(email, 'email');
  if (Object.keys(changes).length === 0)
    throw new BadRequestException('Send a JSON body with "name" and/or "email"');
  return changes;
}

function requireString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0)
    throw new BadRequestException(`"${field}" must be a non-empty string`);
  return value;
}
