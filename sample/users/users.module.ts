import { Module } from '@nestjs/common';
import { UsersController } from './users.controller.js';
import { UsersDatabase } from './users.database.js';
import { UsersService } from './users.service.js';

@Module({
  controllers: [UsersController],
  providers: [UsersDatabase, UsersService],
})
export class UsersModule {}
