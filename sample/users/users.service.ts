import { Injectable, NotFoundException } from '@nestjs/common';
// In your own app: import { Cacheable } from 'nestjs-store';
import { Cacheable } from '../../lib/index.js';
import { type User, UsersDatabase } from './users.database.js';

export interface UserStats {
  /** How many users the "database" holds. */
  total: number;
  /** When this answer was computed: two responses with the same value came from one computation. */
  computedAt: string;
}

/**
 * Users. The HTTP responses are cached by `@Cacheable` / `@CacheEvict` on `UsersController`, so
 * this service stays free of caching code, except for `stats()`: a provider method can carry
 * `@Cacheable` too (Nest's interceptors never reach provider methods, so `StoreModule` wraps such
 * methods at bootstrap), and then every caller, HTTP or not, shares its cached result.
 */
@Injectable()
export class UsersService {
  constructor(private readonly db: UsersDatabase) {}

  async findOne(id: number): Promise<User> {
    const user = await this.db.findOne(id);
    // An exception is never cached: a user created later is found at once.
    if (!user) throw new NotFoundException(`User ${id} not found`);
    return user;
  }

  findAll(): Promise<User[]> {
    return this.db.findAll();
  }

  async update(id: number, changes: Partial<Omit<User, 'id'>>): Promise<User> {
    const user = await this.db.update(id, changes);
    if (!user) throw new NotFoundException(`User ${id} not found`);
    return user;
  }

  /**
   * An expensive aggregate, cached for 30 s under the default provider-method key
   * (class, method and arguments). No tags: a count that is up to 30 s old is fine here; add
   * `tags: ['users']` and invalidate that tag if it must follow every write.
   */
  @Cacheable({ ttl: 30 })
  async stats(): Promise<UserStats> {
    return { total: await this.db.count(), computedAt: new Date().toISOString() };
  }
}
