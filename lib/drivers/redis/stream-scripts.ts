import { LuaScript } from './lua-script.js';

/**
 * Renews a consumer's lease on its pending entries: for each id in ARGV[3..] that consumer ARGV[2]
 * of group ARGV[1] still owns, resets the idle time (XCLAIM ... 0 JUSTID: no delivery counted).
 * Ids another consumer has claimed meanwhile are left alone: one key, one atomic check-and-renew.
 */
export const RENEW_PENDING = new LuaScript(`
local renewed = 0
for i = 3, #ARGV do
  local pending = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1, ARGV[2])
  if #pending > 0 then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
    renewed = renewed + 1
  end
end
return renewed
`);
