import { LuaScript } from './lua-script.js';

/**
 * Returns the tag's token, creating it (ARGV[1]) when missing, and stretches the tag key's life to
 * at least ARGV[2] ms (0: no expiry), so a tag never expires before an entry stamped with it.
 */
export const ENSURE_TAG = new LuaScript(`
local token = redis.call('GET', KEYS[1])
local ttl = tonumber(ARGV[2])
if not token then
  token = ARGV[1]
  if ttl > 0 then
    redis.call('SET', KEYS[1], token, 'PX', ttl)
  else
    redis.call('SET', KEYS[1], token)
  end
  return token
end
if ttl == 0 then
  redis.call('PERSIST', KEYS[1])
else
  local current = redis.call('PTTL', KEYS[1])
  if current >= 0 and current < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
end
return token
`);

/**
 * Replaces an existing tag's token with ARGV[1], keeping its TTL. One key, one atomic step: every
 * entry stamped with the old token stops being served at once. A missing tag stays missing.
 */
export const BUMP_TAG = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('SET', KEYS[1], ARGV[1], 'KEEPTTL')
  return 1
end
return 0
`);

/** Extends a lease (ARGV[2] ms) only while the key still holds the owner's token (ARGV[1]). */
export const RENEW_IF_OWNER = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`);

/** Deletes the key only while it still holds the owner's token (ARGV[1]). */
export const DELETE_IF_OWNER = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);
