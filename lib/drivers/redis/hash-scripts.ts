import { LuaScript } from './lua-script.js';

/**
 * Replaces whatever KEYS[1] holds with a hash of the field/value pairs ARGV[2..], expiring after
 * ARGV[1] ms (0: no expiry). One key, one atomic step: a reader never sees a mix of old and new
 * fields.
 */
export const REPLACE_HASH = new LuaScript(`
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
local ttl = tonumber(ARGV[1])
if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
return 1
`);
