import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { StoreService } from '../../lib/index.js';

export interface Counter {
  name: string;
  value: number;
}

/** Atomic counters: every instance of the app sees the same value, and concurrent increments never lose a step. */
@Controller('counters')
export class CountersController {
  /** A namespace keeps counter names apart from every other key, whatever the name contains. */
  private readonly counters: StoreService;

  constructor(store: StoreService) {
    this.counters = store.namespace('counters');
  }

  /** `POST /counters/visits` adds 1; `?by=5` adds 5. A step that is not an integer is a 400 from the store's validation. */
  @Post(':name')
  @HttpCode(200)
  async increment(@Param('name') name: string, @Query('by') by?: string): Promise<Counter> {
    const value = await this.counters.increment(name, by === undefined ? 1 : Number(by));
    return { name, value };
  }

  @Get(':name')
  async read(@Param('name') name: string): Promise<Counter> {
    return { name, value: (await this.counters.get<number>(name)) ?? 0 };
  }
}
