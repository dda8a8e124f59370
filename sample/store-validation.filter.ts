import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { StoreValidationError } from '../lib/index.js';

/**
 * Input the store refuses (a bad key, TTL, counter step, ...) is the client's mistake: answer 400
 * with the store's message instead of the 500 an unknown error becomes.
 */
@Catch(StoreValidationError)
export class StoreValidationFilter implements ExceptionFilter {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(error: StoreValidationError, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse();
    const body = {
      statusCode: 400,
      error: 'Bad Request',
      code: error.code,
      message: error.message,
    };
    this.adapterHost.httpAdapter.reply(response, body, 400);
  }
}
