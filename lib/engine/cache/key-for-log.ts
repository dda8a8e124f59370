import { digest } from './digest.js';

/** Longest key printed whole in a log line. */
const MAX_LOGGED_KEY = 64;
/** How much of a longer key a log line shows before its digest. */
const LOGGED_HEAD = 40;

/**
 * A key as log lines print it: whole when short, else its head and a digest (`user:…#Xa9_k2Qm`),
 * so a long URL or a token in a key never fills the logs, and lines about one key still match.
 */
export function keyForLog(key: string): string {
  if (key.length <= MAX_LOGGED_KEY) return key;
  return `${key.slice(0, LOGGED_HEAD)}…#${digest(key, 8)} (${key.length} chars)`;
}

/**
 * An error message with every occurrence of `key` replaced by its log form (store errors name the
 * key).
 */
export function messageForLog(error: unknown, key: string): string {
  const message = error instanceof Error ? error.message : String(error);
  return key.length <= MAX_LOGGED_KEY ? message : message.split(key).join(keyForLog(key));
}
