import { Injectable, NotFoundException } from '@nestjs/common';
import { StoreService } from '../../lib/index.js';
import { type User, UsersDatabase } from './users.database.js';

/** Tag on the cached list only, so updating one user refreshes the list without evicting every other user. */
const LIST_TAG = 'users:list';

/**
 * Users, cached aside with `getOrSet`: a hit never touches the database, concurrent misses of one
 * key query it once, and writes invalidate by tag instead of guessing which keys hold the user.
 * Every entry also carries the tag `users`, so `invalidateTags(['users'])` drops all of them.
 */
@Injectable()
export class UsersService {
  constructor(
    private readonly store: StoreService,
    private readonly db: UsersDatabase,
  ) {}

  findOne(id: number): Promise<User> {
    return this.store.getOrSet(
      `user:${id}`,
      async () => {
        const user = await this.db.findOne(id);
        // Thrown from the loader: nothing is cached, so a user created later is found at once.
        if (!user) throw new NotFoundException(`User ${id} not found`);
        return user;
      },
      { ttl: 60, tags: ['users', `user:${id}`] },
    );
  }

  findAll(): Promise<User[]> {
    return this.store.getOrSet('users:all', () => this.db.findAll(), { ttl: 60, tags: ['users', LIST_TAG] });
  }

  async update(id: number, changes: Partial<Omit<User, 'id'>>): Promise<User> {
    const user = await this.db.update(id, changes);
    if (!user) throw new NotFoundException(`User ${id} not found`);
    // Atomic: after this resolves no reader is served the old user or the old list.
    await this.store.invalidateTags([`user:${id}`, LIST_TAG]);
    return user;
  }
}
