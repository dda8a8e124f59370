import { Body, Controller, HttpCode, Post, UnauthorizedException } from '@nestjs/common';
// In your own app: import { RateLimit } from 'nestjs-store';
import { RateLimit } from '../../lib/index.js';

export interface LoginResponse {
  token: string;
}

/** The sample's one account. A real app checks a password hash, of course. */
const DEMO_USER = { username: 'ada', password: 'lovelace' };

/**
 * Login, limited against password guessing: 5 attempts per client IP in any 1-minute window
 * (sliding window: no burst of 2x the limit across a window boundary), and a client that goes
 * over is refused for 5 minutes (`blockDuration`), good password or not. A refusal is a 429 with
 * `Retry-After` and a JSON body naming the policy (`"login"`).
 *
 * The module default `'api'` (token bucket, see `AppModule`) applies here too: a call must pass both.
 */
@Controller('auth')
export class AuthController {
  /** Body: `{ "username": "ada", "password": "lovelace" }`; answers `{ token }`, or 401. */
  @Post('login')
  @HttpCode(200)
  @RateLimit({
    name: 'login',
    limit: 5,
    window: '1m',
    algorithm: 'sliding-window',
    blockDuration: '5m',
  })
  login(@Body() body: unknown): LoginResponse {
    const { username, password } = (body ?? {}) as Record<string, unknown>;
    if (username !== DEMO_USER.username || password !== DEMO_USER.password) {
      throw new UnauthorizedException('Invalid username or password');
    }
    return { token: 'demo-token' };
  }
}
