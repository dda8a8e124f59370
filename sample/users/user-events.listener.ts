import { Injectable, Logger } from '@nestjs/common';
// In your own app: import { OnChannel, StoreService } from 'nestjs-store';
import { OnChannel, StoreService } from '../../lib/index.js';

/** What another system (a back office, a worker) publishes on `user-events` after changing a user. */
export interface UserEvent {
  id: number;
}

export const USER_EVENTS_CHANNEL = 'user-events';

/**
 * Keeps the users cache right when users change outside this app: whoever changes a user
 * publishes `{ "id": 7 }` on `user-events`, and every instance drops the cached user and list
 * (tags `user:7` and `users:list`, the ones `UsersController` caches under). Try it:
 * `redis-cli PUBLISH sample:c:user-events '{"id":1}'`, or `POST /events/user-events` with `{"id":1}`.
 */
@Injectable()
export class UserEventsListener {
  private readonly logger = new Logger(UserEventsListener.name);

  constructor(private readonly store: StoreService) {}

  @OnChannel(USER_EVENTS_CHANNEL)
  async onUserEvent(event: UserEvent): Promise<void> {
    if (!Number.isSafeInteger(event?.id)) {
      this.logger.warn(`Ignored a user event without a numeric id: ${JSON.stringify(event)}`);
      return;
    }
    await this.store.invalidateTags([`user:${event.id}`, 'users:list']);
    this.logger.log(`User ${event.id} changed elsewhere: cached entries invalidated`);
  }
}
