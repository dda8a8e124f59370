import type { RateLimitAlgorithm } from '../../rate-limit/rate-limit.interfaces.js';
import { LuaScript } from './lua-script.js';

/*
 * One Lua script per algorithm. A call runs a batch of checks (see rate-limit-batcher.ts): each
 * check is the algorithm's steps on its own two keys, in order, so a batch gives exactly the answers
 * the same checks would get one script call each. Every script:
 * - reads the clock once with TIME (the Redis server's clock, the same for every app instance;
 *   Redis 5+ replicates scripts by their effects, so TIME is allowed);
 * - per check i touches KEYS[2i-1] (the algorithm's state) and KEYS[2i] (the block key) only,
 *   which share a hash tag (a batch on a Cluster holds one state key, so one slot);
 * - gives every key it writes a TTL (PEXPIRE / PX), so nothing outlives its use;
 * - takes ARGV limit, windowMs, cost (0 = peek: report as if for 1 unit, write nothing), blockMs
 *   per check;
 * - returns per check allowed (0/1), remaining, resetAfterMs, retryAfterMs, all integers, then the
 *   server time in ms last. A check that fails (WRONGTYPE on a foreign key…) gives -1 and the error
 *   text instead, and the others still run.
 * Arithmetic is on integers below 2^53 (the caller checks limit * windowMs), so every step is exact
 * and the memory driver (memory-rate-limit.ts) reproduces it number for number.
 */

/** Clock, then `check` opens: arguments, the block check, and `refuse`, which blocks the key when a consume is refused. */
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
    pcall(check, KEYS[i * 2 - 1], KEYS[i * 2], tonumber(ARGV[a]), tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3]))
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

/** A counter per epoch-aligned window: state { w = window start, c = count }. */
const FIXED_WINDOW = `
local start = now - (now % window)
local left = start + window - now
local state = redis.call('HMGET', stateKey, 'w', 'c')
local count = 0
if tonumber(state[1]) == start then count = tonumber(state[2]) end
if count + need > limit then return refuse(left, left) end
if cost > 0 then
  -- The TTL is set once per window, when the window starts (it ends with the window).
  if count == 0 then
    redis.call('HSET', stateKey, 'w', start, 'c', cost)
    redis.call('PEXPIRE', stateKey, left)
  else
    redis.call('HINCRBY', stateKey, 'c', cost)
  end
  count = count + cost
end
local resetAfter = 0
if count > 0 then resetAfter = left end
return 1, limit - count, resetAfter, 0
`;

/**
 * Two buckets, the previous window weighted by how much of it still overlaps the sliding window:
 * used = floor(prev * (window - elapsed) / window) + curr. State { w, c = current, p = previous }.
 */
const SLIDING_WINDOW = `
local start = now - (now % window)
local elapsed = now - start
local state = redis.call('HMGET', stateKey, 'w', 'c', 'p')
local w = tonumber(state[1])
local curr, prev = 0, 0
if w == start then
  curr = tonumber(state[2])
  prev = tonumber(state[3])
elseif w == start - window then
  prev = tonumber(state[2])
end
-- smallest elapsed time e in a window at which floor(count * (window - e) / window) <= room
local function decayed(count, room)
  if count <= room then return 0 end
  return math.floor(window * (count - room - 1) / count) + 1
end
local function resetAfter(c, p)
  if c > 0 then return window - elapsed + window end
  if p > 0 then return window - elapsed end
  return 0
end
local used = math.floor(prev * (window - elapsed) / window) + curr
if used + need > limit then
  local retry
  if limit - need - curr >= 0 then
    retry = decayed(prev, limit - need - curr) - elapsed
  elseif need <= limit then
    retry = window - elapsed + decayed(curr, limit - need)
  else
    retry = window - elapsed + window
  end
  return refuse(resetAfter(curr, prev), retry)
end
if cost > 0 then
  curr = curr + cost
  used = used + cost
  -- Set once per window, when it starts: the state is needed until the next window ends.
  if w == start then
    redis.call('HINCRBY', stateKey, 'c', cost)
  else
    redis.call('HSET', stateKey, 'w', start, 'c', curr, 'p', prev)
    redis.call('PEXPIRE', stateKey, window - elapsed + window)
  end
end
return 1, limit - used, resetAfter(curr, prev), 0
`;

/**
 * Exact: a sorted set of request timestamps (score = ms), members unique (µs time and position).
 * An entry counts while score > now - window.
 */
const SLIDING_LOG = `
local from = now - window
local live = '(' .. string.format('%d', from)
local count
if cost > 0 then
  redis.call('ZREMRANGEBYSCORE', stateKey, '-inf', from)
  count = redis.call('ZCARD', stateKey)
else
  count = redis.call('ZCOUNT', stateKey, live, '+inf')
end
local function resetAfter()
  if count == 0 then return 0 end
  local newest = redis.call('ZRANGE', stateKey, -1, -1, 'WITHSCORES')
  return tonumber(newest[2]) + window - now
end
if count + need > limit then
  local retry = window
  if need <= limit then
    local k = count + need - limit
    local entry = redis.call('ZRANGEBYSCORE', stateKey, live, '+inf', 'WITHSCORES', 'LIMIT', k - 1, 1)
    retry = tonumber(entry[2]) + window - now
  end
  return refuse(resetAfter(), retry)
end
if cost > 0 then
  local id = time[1] .. '.' .. time[2] .. ':'
  local i = 1
  while i <= cost do
    local args = {}
    while i <= cost and #args < 1000 do
      args[#args + 1] = now
      args[#args + 1] = id .. (count + i)
      i = i + 1
    end
    redis.call('ZADD', stateKey, unpack(args))
  end
  redis.call('PEXPIRE', stateKey, window)
  count = count + cost
end
return 1, limit - count, resetAfter(), 0
`;

/**
 * Capacity `limit`, refilled continuously at limit per window. Tokens are held in units of
 * 1/window token (capacity limit * window, refill `limit` units per ms): integers only.
 * State { u = units, ts = when u was measured }.
 */
const TOKEN_BUCKET = `
local full = limit * window
local state = redis.call('HMGET', stateKey, 'u', 'ts')
local units = full
local u, ts = tonumber(state[1]), tonumber(state[2])
if u and ts then
  local elapsed = now - ts
  if elapsed < 0 then elapsed = 0 end
  units = math.min(full, u + elapsed * limit)
end
local needUnits = need * window
if units < needUnits then
  return refuse(math.ceil((full - units) / limit), math.ceil((needUnits - units) / limit))
end
if cost > 0 then
  units = units - cost * window
  redis.call('HSET', stateKey, 'u', units, 'ts', now)
  redis.call('PEXPIRE', stateKey, math.ceil((full - units) / limit))
end
return 1, math.floor(units / window), math.ceil((full - units) / limit), 0
`;

/**
 * GCRA: emission interval window/limit, burst tolerance window. The theoretical arrival time (TAT)
 * is kept as ms + a fraction in 1/limit ms, and compared as d = (TAT - now) * limit, so the
 * emission interval is exactly `window` units and the tolerance `limit * window`.
 * State { t = TAT ms, f = TAT fraction (0..limit-1) }.
 */
const GCRA = `
local tolerance = limit * window
local state = redis.call('HMGET', stateKey, 't', 'f')
local d = 0
local t, f = tonumber(state[1]), tonumber(state[2])
if t and f then
  d = (t - now) * limit + f
  if d < 0 then d = 0 end
end
local nd = d + need * window
if nd > tolerance then
  return refuse(math.ceil(d / limit), math.ceil((nd - tolerance) / limit))
end
if cost > 0 then
  d = nd
  redis.call('HSET', stateKey, 't', now + math.floor(d / limit), 'f', d % limit)
  redis.call('PEXPIRE', stateKey, math.ceil(d / limit))
end
return 1, math.floor((tolerance - d) / window), math.ceil(d / limit), 0
`;

/** The script of each algorithm. */
export const RATE_LIMIT_SCRIPTS: Readonly<Record<RateLimitAlgorithm, LuaScript>> = {
  'fixed-window': new LuaScript(CHECK_OPEN + FIXED_WINDOW + CHECK_CLOSE_AND_RUN),
  'sliding-window': new LuaScript(CHECK_OPEN + SLIDING_WINDOW + CHECK_CLOSE_AND_RUN),
  'sliding-log': new LuaScript(CHECK_OPEN + SLIDING_LOG + CHECK_CLOSE_AND_RUN),
  'token-bucket': new LuaScript(CHECK_OPEN + TOKEN_BUCKET + CHECK_CLOSE_AND_RUN),
  gcra: new LuaScript(CHECK_OPEN + GCRA + CHECK_CLOSE_AND_RUN),
};
