/** Controllers and providers shared by the cache decorator specs; `calls` counts handler runs. */
import {
  BadRequestException,
  Controller,
  Delete,
  Get,
  Injectable,
  NotFoundException,
  Param,
  Post,
  Put,
  Query,
  Req,
  Res,
  StreamableFile,
  UseGuards,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Cacheable, CacheEvict, NoCache } from '../../lib/index.js';

export const calls = new Map<string, number>();

/** Counts a handler run and returns the count. */
export function called(name: string): number {
  const n = (calls.get(name) ?? 0) + 1;
  calls.set(name, n);
  return n;
}

export function count(name: string): number {
  return calls.get(name) ?? 0;
}

interface UserRequest {
  headers: Record<string, string | undefined>;
  user?: { id: string };
}

/** Stands in for an auth guard: `Authorization: Bearer <id>` becomes `req.user = { id }`. */
@Injectable()
export class FakeAuthGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<UserRequest>();
    const match = /^Bearer (.+)$/.exec(request.headers['authorization'] ?? '');
    if (match) request.user = { id: match[1] };
    return true;
  }
}

interface StatusResponse {
  status(code: number): unknown;
}

interface SendResponse {
  send(body: unknown): unknown;
}

@Controller('items')
@UseGuards(FakeAuthGuard)
export class ItemsController {
  @Get()
  @Cacheable({ ttl: 60 })
  list(@Query() query: Record<string, string>) {
    return { query, n: called('list') };
  }

  @Get('summary')
  @Cacheable({ key: 'summary', ttl: 60, tags: ['items'] })
  summary() {
    return { n: called('summary') };
  }

  @Get('search')
  @Cacheable({ key: 'search:{term}:{page}', ttl: 60 })
  search(@Query('term') term: string) {
    return { term, n: called(`search:${term}`) };
  }

  @Get('missing')
  @Cacheable({ ttl: 60 })
  missing() {
    called('missing');
    throw new NotFoundException('no such item');
  }

  @Get('teapot')
  @Cacheable({ ttl: 60 })
  teapot(@Res({ passthrough: true }) res: StatusResponse) {
    res.status(418);
    return { n: called('teapot') };
  }

  @Get('file')
  @Cacheable({ ttl: 60 })
  file() {
    return new StreamableFile(Buffer.from(`file-${called('file')}`));
  }

  @Get('raw')
  @Cacheable({ ttl: 60 })
  raw(@Res() res: SendResponse) {
    res.send({ n: called('raw') });
  }

  @Get('me')
  @Cacheable({ key: 'me', scope: 'user', ttl: 60 })
  me(@Req() req: UserRequest) {
    return { user: req.user?.id ?? null, n: called(`me:${req.user?.id}`) };
  }

  @Get('fresh')
  @Cacheable({ ttl: 60, honorNoCache: true })
  fresh() {
    return { n: called('fresh') };
  }

  @Get('conditional')
  @Cacheable({
    ttl: 60,
    condition: (ctx) => ctx.named[1]?.['cache'] !== 'no',
    unless: (result) => (result as { n: number }).n === 1,
  })
  conditional() {
    return { n: called('conditional') };
  }

  @Get('never')
  @NoCache()
  never() {
    return { n: called('never') };
  }

  @Get(':id')
  @Cacheable({ key: 'item:{id}', ttl: 60, tags: ['items', 'item:{id}'] })
  one(@Param('id') id: string) {
    return { id, n: called(`one:${id}`) };
  }

  @Post()
  @Cacheable({ ttl: 60 })
  create() {
    return { n: called('create') };
  }

  @Put(':id')
  @CacheEvict({ keys: ['item:{id}'] })
  update(@Param('id') id: string) {
    return { id, updated: called('update') };
  }

  @Put(':id/fail')
  @CacheEvict({ keys: ['item:{id}'] })
  updateFails() {
    called('update-fail');
    throw new BadRequestException('rejected');
  }

  @Put(':id/before')
  @CacheEvict({ keys: ['item:{id}'], beforeInvocation: true })
  updateBefore() {
    called('update-before');
    throw new BadRequestException('rejected after eviction');
  }

  @Delete()
  @CacheEvict({ tags: ['items'] })
  clear() {
    return { cleared: called('clear') };
  }
}
