import { HttpException, HttpStatus } from '@nestjs/common';

/**
 * The JSON body of a refused call (HTTP response body, GraphQL error `extensions`, WebSocket
 * `exception` event).
 */
export interface RateLimitExceptionBody {
  /** 429 when over the limit, 503 when the store is unreachable and the policy fails closed. */
  statusCode: 429 | 503;
  /** `'Too Many Requests'` or `'Service Unavailable'`. */
  error: string;
  /** A human-readable reason. */
  message: string;
  /** The name of the policy that refused the call. */
  policy: string;
  /** Seconds until the call may be retried. */
  retryAfter: number;
}

/** 429: a rate-limit policy refused the call. Its response body is a `RateLimitExceptionBody`. */
export class RateLimitExceededException extends HttpException {
  constructor(
    policy: string,
    retryAfter: number,
    message = `Rate limit "${policy}" exceeded: retry in ${retryAfter}s`,
  ) {
    super(
      {
        statusCode: HttpStatus.TOO_MANY_REQUESTS,
        error: 'Too Many Requests',
        message,
        policy,
        retryAfter,
      } satisfies RateLimitExceptionBody,
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }

  /** The body sent to the client. */
  override getResponse(): RateLimitExceptionBody {
    return super.getResponse() as RateLimitExceptionBody;
  }
}

/** 503: the store could not be reached and the policy fails closed (`failure: 'closed'`). */
export class RateLimitUnavailableException extends HttpException {
  constructor(
    policy: string,
    retryAfter: number,
    message = `Rate limit "${policy}" cannot be checked: the store is unavailable`,
  ) {
    super(
      {
        statusCode: HttpStatus.SERVICE_UNAVAILABLE,
        error: 'Service Unavailable',
        message,
        policy,
        retryAfter,
      } satisfies RateLimitExceptionBody,
      HttpStatus.SERVICE_UNAVAILABLE,
    );
  }

  /** The body sent to the client. */
  override getResponse(): RateLimitExceptionBody {
    return super.getResponse() as RateLimitExceptionBody;
  }
}
