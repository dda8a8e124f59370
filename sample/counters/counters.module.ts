import { Module } from '@nestjs/common';
import { CountersController } from './counters.controller.js';

@Module({ controllers: [CountersController] })
export class CountersModule {}
