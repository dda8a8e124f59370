/**
 * The error both drivers answer when an increment's result would leave ±(2^53 − 1): a JavaScript
 * number could not hold it exactly. Nothing is changed.
 */
export const UNSAFE_INTEGER_REPLY =
  'ERR the result is outside the safe integer range (±9007199254740991): nothing was changed';
