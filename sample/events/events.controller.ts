import { BadRequestException, Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
// In your own app: import { SkipRateLimit } from 'nestjs-store';
import { SkipRateLimit } from '../../lib/index.js';
import { EventsService, GREETINGS_CHANNEL, type ReceivedMessage } from './events.service.js';

@Controller('events')
export class EventsController {
  constructor(private readonly events: EventsService) {}

  /** `POST /events/greetings` with a JSON body publishes it; the answer says how many subscriptions received it. */
  @Post(':channel')
  @HttpCode(200)
  async publish(@Param('channel') channel: string, @Body() body: unknown): Promise<{ receivers: number }> {
    if (body === undefined) throw new BadRequestException('Send a JSON body (Content-Type: application/json)');
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
}
