import { Module } from '@nestjs/common';
import { UserEventsListener } from './user-events.listener.js';
import { UsersController } from './users.controller.js';
import { UsersDatabase } from './users.database.js';
import { UsersService } from './users.service.js';

@Module({
  controllers: [UsersController],
  providers: [UsersDatabase, UsersService, UserEventsListener],
})
export class UsersModule {}
