import type { RateLimitScript } from '../store-driver.interface.js';
import { LuaScript } from './lua-script.js';

/*
 * The Lua around a `RateLimitScript`'s step (its `lua`): one EVALSHA script per rate-limit script.
 * A call runs a batch of checks (see rate-limit-batcher.ts): each check is the step on its own two
 * keys, in order, so a batch gives exactly the answers the same checks would get one script call
 * each. Every script:
 * - reads the clock once with TIME (the Redis server's clock, the same for every app instance;
 *   Redis 5+ replicates scripts by their effects, so TIME is allowed);
 * - per check i touches KEYS[2i-1] (the script's state) and KEYS[2i] (the block key) only,
 *   which share a hash tag (a batch on a Cluster holds one state key, so one slot);
 * - gives every key it writes a TTL (PEXPIRE / PX), so nothing outlives its use;
 * - takes ARGV limit, windowMs, cost (0 = peek: report as if for 1 unit, write nothing), blockMs
 *   per check;
 * - returns per check allowed (0/1), remaining, resetAfterMs, retryAfterMs, all integers, then the
 *   server time in ms last. A check that fails (WRONGTYPE on a foreign key…) gives -1 and the error
 *   text instead, and the others still run.
 * Arithmetic is on integers below 2^53 (the caller checks limit * windowMs), so every step is exact
 * and the memory driver (memory-rate-limit.ts, running the script's `memory`) reproduces it number
 * for number.
 */

/**
 * Clock, then `check` opens: arguments, the block check, and `refuse`, which blocks the key when a
 * consume is refused.
 */
const CHECK_OPEN = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local function check(stateKey, blockKey, limit, window, cost, blockMs)
local need = cost
if need == 0 then need = 1 end
-- Only policies with a blockDuration ever block, so only they look for a block.
if blockMs > 0 then
  local blocked = redis.call('PTTL', blockKey)
  if blocked > 0 then return 0, 0, blocked, blocked end
end
local function refuse(resetAfter, retryAfter)
  if cost > 0 and blockMs > 0 then
    redis.call('SET', blockKey, '1', 'PX', blockMs)
    retryAfter = blockMs
    if resetAfter < blockMs then resetAfter = blockMs end
  end
  return 0, 0, resetAfter, retryAfter
end
`;

/** `check` closes; every check of the batch runs in its own pcall, so one failure stays its own. */
const CHECK_CLOSE_AND_RUN = `
end
local out = {}
for i = 1, #KEYS / 2 do
  local a = i * 4 - 3
  local ok, allowed, remaining, resetAfter, retryAfter =
    pcall(check, KEYS[i * 2 - 1], KEYS[i * 2],
      tonumber(ARGV[a]), tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3]))
  if ok then
    out[#out + 1] = allowed
    out[#out + 1] = remaining
    out[#out + 1] = resetAfter
    out[#out + 1] = retryAfter
  else
    if type(allowed) == 'table' and allowed.err then allowed = allowed.err end
    out[#out + 1] = -1
    out[#out + 1] = tostring(allowed)
    out[#out + 1] = 0
    out[#out + 1] = 0
  end
end
out[#out + 1] = now
return out
`;

/** Each script's Lua, wrapped and hashed once (the scripts are long-lived objects). */
const compiled = new WeakMap<RateLimitScript, LuaScript>();

/** The EVALSHA script that runs batches of `script`'s checks. */
export function rateLimitLua(script: RateLimitScript): LuaScript {
  let lua = compiled.get(script);
  if (lua === undefined) {
    lua = new LuaScript(CHECK_OPEN + script.lua + CHECK_CLOSE_AND_RUN);
    compiled.set(script, lua);
  }
  return lua;
}
