import { BadRequestException, Body, Controller, Get, Param, ParseIntPipe, Put } from '@nestjs/common';
import type { User } from './users.database.js';
import { UsersService } from './users.service.js';

@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  findAll(): Promise<User[]> {
    return this.users.findAll();
  }

  @Get(':id')
  findOne(@Param('id', ParseIntPipe) id: number): Promise<User> {
    return this.users.findOne(id);
  }

  /** Body: `{ "name"?: string, "email"?: string }`. */
  @Put(':id')
  update(@Param('id', ParseIntPipe) id: number, @Body() body: unknown): Promise<User> {
    return this.users.update(id, userChanges(body));
  }
}

function userChanges(body: unknown): Partial<Omit<User, 'id'>> {
  const { name, email } = (body ?? {}) as Record<string, unknown>;
  const changes: Partial<Omit<User, 'id'>> = {};
  if (name !== undefined) changes.name = requireString(name, 'name');
  if (email !== undefined) changes.email = requireString(email, 'email');
  if (Object.keys(changes).length === 0) throw new BadRequestException('Send a JSON body with "name" and/or "email"');
  return changes;
}

function requireString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new BadRequestException(`"${field}" must be a non-empty string`);
  return value;
}
