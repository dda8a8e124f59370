import type {
  RateLimitCheckContext,
  RawRateLimitReply,
} from '../../../drivers/store-driver.interface.js';
import type { RateLimitAlgorithmDefinition } from './rate-limit-algorithm.js';

/**
 * The largest `limit` of a `sliding-log` policy: it stores one sorted-set member per counted unit,
 * so this bounds both its memory per key and the Redis time of one check (a few ms at most).
 */
export const MAX_SLIDING_LOG_LIMIT = 1_000;

/**
 * Exact: a sorted set of request timestamps (score = ms), members unique (µs time and position).
 * An entry counts while score > now - window.
 */
const LUA = `
local from = now - window
local live = '(' .. string.format('%d', from)
local count
if cost > 0 then
  redis.call('ZREMRANGEBYSCORE', stateKey, '-inf', from)
  count = redis.call('ZCARD', stateKey)
else
  count = redis.call('ZCOUNT', stateKey, live, '+inf')
end
-- The set can be gone by the time it is read again: with a window of a few ms, its TTL can run out
-- while a long batch runs (Redis checks expiry against the wall clock). Then it holds nothing.
local function resetAfter()
  if count == 0 then return 0 end
  local newest = redis.call('ZRANGE', stateKey, -1, -1, 'WITHSCORES')
  if newest[2] == nil then return 0 end
  return tonumber(newest[2]) + window - now
end
if count + need > limit then
  local retry = window
  if need <= limit then
    local k = count + need - limit
    local entry = redis.call('ZRANGEBYSCORE', stateKey, live, '+inf',
      'WITHSCORES', 'LIMIT', k - 1, 1)
    if entry[2] ~= nil then retry = tonumber(entry[2]) + window - now end
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

/** `LUA` step by step in process: the same integer arithmetic, the same replies and TTLs. */
function slidingLogInMemory(check: RateLimitCheckContext): RawRateLimitReply {
  const { now, window, limit, cost, need } = check;
  const from = now - window;
  // The sorted set's scores, ascending; an entry counts while its score > now - window.
  const log = (check.state<number[]>() ?? []).filter((score) => score > from);
  const count = log.length;
  const resetAfter = (entries: number[]) =>
    entries.length === 0 ? 0 : entries[entries.length - 1] + window - now;
  if (count + need > limit) {
    const retry = need <= limit ? log[count + need - limit - 1] + window - now : window;
    return check.refuse(resetAfter(log), retry);
  }
  if (cost > 0) {
    for (let i = 0; i < cost; i++) insertSorted(log, now);
    check.save(log, window);
  }
  return check.allow(limit - log.length, resetAfter(log));
}

/** Inserts like ZADD: ordered by score, a new member after existing ones with the same score. */
function insertSorted(scores: number[], score: number): void {
  let i = scores.length;
  while (i > 0 && scores[i - 1] > score) i--;
  scores.splice(i, 0, score);
}

/**
 * `sliding-log`: every request's time in a sorted set. Exact over any window; memory and one
 * check's Redis time grow with `limit`, hence `MAX_SLIDING_LOG_LIMIT`.
 */
export const slidingLog: RateLimitAlgorithmDefinition<'sliding-log'> = {
  id: 'sliding-log',
  suffix: 'sl',
  stateType: 'zset',
  lua: LUA,
  memory: slidingLogInMemory,
  limitProblem: (limit) =>
    limit > MAX_SLIDING_LOG_LIMIT
      ? `at most ${MAX_SLIDING_LOG_LIMIT} for 'sliding-log': it keeps one entry per request, ` +
        "so one check's time in Redis grows with the limit; " +
        "use 'sliding-window' for large limits"
      : undefined,
};
