import {
  BadRequestException,
  Body,
  Controller,
  Get,
  HttpCode,
  type MessageEvent,
  NotFoundException,
  Param,
  Post,
  Sse,
} from '@nestjs/common';
import { type Observable, map } from 'rxjs';
// In your own app: import { SkipRateLimit } from 'nestjs-store';
import { SkipRateLimit } from '../../lib/index.js';
import { USER_EVENTS_CHANNEL } from '../users/user-events.listener.js';
import { EventsService, GREETINGS_CHANNEL, type ReceivedMessage } from './events.service.js';

/** The channels browsers may watch: a stream endpoint must not expose every channel of the store. */
const WATCHABLE = new Set([GREETINGS_CHANNEL, USER_EVENTS_CHANNEL]);

@Controller('events')
export class EventsController {
  constructor(private readonly events: EventsService) {}

  /** `POST /events/greetings` with a JSON body publishes it; the answer says how many subscriptions received it. */
  @Post(':channel')
  @HttpCode(200)
  async publish(
    @Param('channel') channel: string,
    @Body() body: unknown,
  ): Promise<{ receivers: number }> {
    if (body === undefined)
      throw new BadRequestException('Send a JSON body (Content-Type: application/json)');
    return { receivers: await this.events.publish(channel, body) };
  }

  /**
   * What the sample itself received on `greetings`. A cheap in-memory read, polled by clients:
   * exempt from the `'api'` policy by name (`@SkipRateLimit()` with no name would skip every policy).
   */
  @Get()
  @SkipRateLimit('api')
  received(): { channel: string; received: ReceivedMessage[] } {
    return { channel: GREETINGS_CHANNEL, received: this.events.received };
  }

  /**
   * Server-Sent Events: `curl -N localhost:3000/events/stream/greetings` (or `new EventSource(...)`
   * in a browser) receives every message published on the channel from then on, as JSON.
   */
  @Sse('stream/:channel')
  stream(@Param('channel') channel: string): Observable<MessageEvent> {
    if (!WATCHABLE.has(channel))
      throw new NotFoundException(
        `Channel "${channel}" cannot be watched; try ${[...WATCHABLE].join(' or ')}`,
      );
    return this.events
      .watch(channel)
      .pipe(map((message) => ({ type: channel, data: message as object })));
  }
}
