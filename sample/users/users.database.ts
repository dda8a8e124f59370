import { Injectable, Logger } from '@nestjs/common';

export interface User {
  id: number;
  name: string;
  email: string;
}

/** Stands in for a real database: an in-memory table that answers after ~50 ms, and counts its reads. */
@Injectable()
export class UsersDatabase {
  /** How many queries reached the "database" (the cache's job is to keep this low). */
  reads = 0;

  private readonly logger = new Logger(UsersDatabase.name);
  private readonly rows = new Map<number, User>([
    [1, { id: 1, name: 'Ada Lovelace', email: 'ada@example.com' }],
    [2, { id: 2, name: 'Alan Turing', email: 'alan@example.com' }],
    [3, { id: 3, name: 'Grace Hopper', email: 'grace@example.com' }],
  ]);

  async findOne(id: number): Promise<User | undefined> {
    await this.query(`SELECT user ${id}`);
    const row = this.rows.get(id);
    return row && { ...row };
  }

  async findAll(): Promise<User[]> {
    await this.query('SELECT all users');
    return [...this.rows.values()].map((row) => ({ ...row }));
  }

  async count(): Promise<number> {
    await this.query('SELECT count(*) FROM users');
    return this.rows.size;
  }

  async update(id: number, changes: Partial<Omit<User, 'id'>>): Promise<User | undefined> {
    await this.query(`UPDATE user ${id}`, false);
    const row = this.rows.get(id);
    if (!row) return undefined;
    const updated = { ...row, ...changes, id };
    this.rows.set(id, updated);
    return { ...updated };
  }

  private async query(description: string, isRead = true): Promise<void> {
    if (isRead) this.reads++;
    this.logger.log(`${description} (50 ms)`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
