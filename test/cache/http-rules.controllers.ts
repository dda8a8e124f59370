/** Controllers of the HTTP rules spec: each route does one thing a shared cache must get right. */
import {
  Controller,
  Get,
  Headers,
  HttpCode,
  Injectable,
  Param,
  Put,
  Query,
  Req,
  Res,
  UseGuards,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Cacheable, CacheEvict } from '../../lib/index.js';
import { called } from './cache-test.controllers.js';

interface UserRequest {
  headers: Record<string, string | undefined>;
  user?: { id: string };
}

/** The parts of Express `Response` and Fastify `FastifyReply` the handlers use (both have them). */
interface Reply {
  header(name: string, value: string): unknown;
  status(code: number): unknown;
}

/** How many requests reached the guard, by path (the gated route waits for its callers). */
export const arrivals = new Map<string, number>();

/**
 * Stands in for an auth guard that authenticates from something that is not a credential header
 * (here `X-User`; in real apps a client certificate or the source address): sets `req.user`.
 * It also sets `X-Guard` on every response, as guards and middleware set per-request headers
 * before the handler: a HIT must not replay the value of the request that filled the entry.
 */
@Injectable()
export class HeaderUserGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const request = http.getRequest<UserRequest & { url: string }>();
    const id = request.headers['x-user'];
    if (id) request.user = { id };
    http.getResponse<Reply>().header('x-guard', String(called('guard')));
    const path = request.url.split('?')[0];
    arrivals.set(path, (arrivals.get(path) ?? 0) + 1);
    return true;
  }
}

let gateOpened: Promise<void> = Promise.resolve();
let releaseGate: () => void = () => undefined;

/** Makes the gated route wait until `openGate()`. */
export function closeGate(): void {
  gateOpened = new Promise<void>((resolve) => (releaseGate = resolve));
}

export function openGate(): void {
  releaseGate();
}

@Controller('rules')
@UseGuards(HeaderUserGuard)
export class RulesController {
  @Get('open')
  @Cacheable({ ttl: 60 })
  open() {
    return { n: called('open') };
  }

  @Get('dated')
  @Cacheable({ ttl: 60 })
  dated() {
    return { at: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)), n: called('dated') };
  }

  @Get('route-secret')
  @Cacheable({ ttl: 60, credentialHeaders: ['X-Route-Secret'] })
  routeSecret() {
    return { n: called('route-secret') };
  }

  @Get('mine')
  @Cacheable({ ttl: 60, scope: 'user' })
  mine(@Req() req: UserRequest) {
    const user = req.user?.id ?? null;
    return { user, n: called(`mine:${user}`) };
  }

  @Get('public')
  @Cacheable({ ttl: 60, scope: 'public' })
  everyone() {
    return { n: called('public') };
  }

  @Get('greeting')
  @Cacheable({ key: 'greeting', ttl: 60, tags: ['greetings'] })
  greeting(
    @Headers('accept-language') language: string | undefined,
    @Res({ passthrough: true }) res: Reply,
  ) {
    res.header('vary', 'Accept-Language');
    const text = language?.startsWith('fr') ? 'bonjour' : 'hello';
    return { text, n: called(`greeting:${language}`) };
  }

  @Put('greeting')
  @CacheEvict({ keys: ['greeting'] })
  evictGreeting() {
    return { evicted: true };
  }

  @Put('greetings')
  @CacheEvict({ tags: ['greetings'] })
  invalidateGreetings() {
    return { invalidated: true };
  }

  /** Like `greeting`, with `honorNoCache`: `Cache-Control: no-cache` refreshes the caller's variant only. */
  @Get('greeting-fresh')
  @Cacheable({ key: 'greeting-fresh', ttl: 60, honorNoCache: true })
  greetingFresh(
    @Headers('accept-language') language: string | undefined,
    @Res({ passthrough: true }) res: Reply,
  ) {
    res.header('vary', 'Accept-Language');
    return { language: language ?? null, n: called(`greeting-fresh:${language}`) };
  }

  @Get('vary-star')
  @Cacheable({ ttl: 60 })
  varyStar(@Res({ passthrough: true }) res: Reply) {
    res.header('vary', '*');
    return { n: called('vary-star') };
  }

  @Get('host')
  @Cacheable({ ttl: 60 })
  host(@Headers('host') host: string) {
    return { host, n: called(`host:${host}`) };
  }

  @Get('head')
  @Cacheable({ ttl: 60 })
  head() {
    return { body: 'the whole body', n: called('head') };
  }

  /** Echoes its input as text/plain: replayed as text/html, it would be an XSS. */
  @Get('echo')
  @Cacheable({ ttl: 60 })
  echo(@Query('q') q: string, @Res({ passthrough: true }) res: Reply) {
    res.status(203);
    res.header('content-type', 'text/plain; charset=utf-8');
    res.header('x-handler', 'set by the handler');
    return `<script>${q}</script> #${called('echo')}`;
  }

  /** Like `echo`, after every caller the test sends reached the guard (so they share one load). */
  @Get('gated')
  @Cacheable({ ttl: 60 })
  async gated(@Res({ passthrough: true }) res: Reply) {
    await gateOpened;
    res.status(203);
    res.header('content-type', 'text/plain; charset=utf-8');
    return `gated #${called('gated')}`;
  }

  @Get('created')
  @HttpCode(201)
  @Cacheable({ ttl: 60 })
  created() {
    return { n: called('created') };
  }

  @Get('private')
  @Cacheable({ ttl: 60 })
  private(@Res({ passthrough: true }) res: Reply) {
    res.header('cache-control', 'private, max-age=60');
    return { n: called('private') };
  }

  @Get('private-mine')
  @Cacheable({ ttl: 60, scope: 'user' })
  privateMine(@Req() req: UserRequest, @Res({ passthrough: true }) res: Reply) {
    res.header('cache-control', 'private');
    return { user: req.user?.id, n: called(`private-mine:${req.user?.id}`) };
  }

  @Get('no-store')
  @Cacheable({ ttl: 60 })
  noStore(@Res({ passthrough: true }) res: Reply) {
    res.header('cache-control', 'no-store');
    return { n: called('no-store') };
  }

  @Get('cookie')
  @Cacheable({ ttl: 60 })
  cookie(@Res({ passthrough: true }) res: Reply) {
    res.header('set-cookie', `session=${called('cookie')}; HttpOnly`);
    return { n: called('cookie-body') };
  }

  @Get('token')
  @Cacheable({ ttl: 60 })
  token(@Query('token') token: string) {
    return { length: token?.length ?? 0, n: called('token') };
  }

  @Get('long-key')
  @Cacheable({ key: 'long:{q}', ttl: 60 })
  longKey(@Query('q') q: string) {
    return { length: q.length, n: called('long-key') };
  }

  @Get('legacy')
  @Cacheable({ key: 'legacy', ttl: 60 })
  legacy() {
    return { n: called('legacy') };
  }

  /** Stale after 100 ms, served stale for 10 s: a STALE answer must replay the headers too. */
  @Get('stale')
  @Cacheable({ key: 'stale-rules', ttl: '100ms', grace: '10s' })
  stale(
    @Headers('accept-language') language: string | undefined,
    @Res({ passthrough: true }) res: Reply,
  ) {
    res.status(203);
    res.header('content-type', 'text/plain; charset=utf-8');
    res.header('vary', 'Accept-Language');
    return `${language ?? 'none'} #${called(`stale:${language}`)}`;
  }
}

/** A catch-all route on Express (path-to-regexp: `*path`, the segments as an array). */
@Controller('files')
export class ExpressFilesController {
  @Get('*path')
  @Cacheable({ ttl: 60 })
  file(@Param('path') path: string[]) {
    return { path, n: called(`files:${JSON.stringify(path)}`) };
  }
}

/** The same on Fastify (find-my-way: `*`, the rest of the path as a string). */
@Controller('files')
export class FastifyFilesController {
  @Get('*')
  @Cacheable({ ttl: 60 })
  file(@Param('*') path: string) {
    return { path, n: called(`files:${JSON.stringify(path)}`) };
  }
}
