import { createHash } from 'node:crypto';

/**
 * A short, stable digest of `text` (SHA-256, base64url, first `length` characters; 22 by default,
 * 132 bits): what stands in a Redis key or a log line for text that must not appear in clear there.
 */
export function digest(text: string, length = 22): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, length);
}
