import { UNSAFE_INTEGER_REPLY } from '../counter-range.js';
import { LuaScript } from './lua-script.js';

/**
 * INCRBY KEYS[1] ARGV[1], undone in the same atomic step when the result is outside ±(2^53 − 1):
 * a JavaScript number could not hold it exactly, so the caller would get another number than Redis
 * holds. (Lua numbers are doubles too, but any result past the bound still compares past it.) The
 * result is returned as a string: ioredis 6's RESP3 decoder rounds integer replies within about 50
 * of 2^53 (it accumulates `n * 10 + byte` before subtracting '0').
 */
export const SAFE_INCRBY = new LuaScript(`
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if value > 9007199254740991 or value < -9007199254740991 then
  redis.call('DECRBY', KEYS[1], ARGV[1])
  return redis.error_reply('${UNSAFE_INTEGER_REPLY.slice(4)}')
end
return string.format('%d', value)
`);
