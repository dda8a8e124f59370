import type {
  RateLimitCheckContext,
  RawRateLimitReply,
} from '../../../drivers/store-driver.interface.js';
import type { RateLimitAlgorithmDefinition } from './rate-limit-algorithm.js';

/**
 * Two buckets, the previous window weighted by how much of it still overlaps the sliding window:
 * used = floor(prev * (window - elapsed) / window) + curr. State { w, c = current, p = previous }.
 */
const LUA = `
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

/** The state: the current window's start (epoch ms), its count and the previous window's count. */
interface SlidingWindowState {
  w: number;
  c: number;
  p: number;
}

/** `LUA` step by step in process: the same integer arithmetic, the same replies and TTLs. */
function slidingWindowInMemory(check: RateLimitCheckContext): RawRateLimitReply {
  const { now, window, limit, cost, need } = check;
  const start = now - (now % window);
  const elapsed = now - start;
  const state = check.state<SlidingWindowState>();
  let curr = 0;
  let prev = 0;
  if (state?.w === start) {
    curr = state.c;
    prev = state.p;
  } else if (state?.w === start - window) {
    prev = state.c;
  }
  // Smallest elapsed time e in a window at which floor(count * (window - e) / window) <= room.
  const decayed = (count: number, room: number) =>
    count <= room ? 0 : Math.floor((window * (count - room - 1)) / count) + 1;
  const resetAfter = (c: number, p: number) =>
    c > 0 ? window - elapsed + window : p > 0 ? window - elapsed : 0;
  let used = Math.floor((prev * (window - elapsed)) / window) + curr;
  if (used + need > limit) {
    let retry: number;
    if (limit - need - curr >= 0) retry = decayed(prev, limit - need - curr) - elapsed;
    else if (need <= limit) retry = window - elapsed + decayed(curr, limit - need);
    else retry = window - elapsed + window;
    return check.refuse(resetAfter(curr, prev), retry);
  }
  if (cost > 0) {
    curr += cost;
    used += cost;
    check.save(
      { w: start, c: curr, p: prev } satisfies SlidingWindowState,
      window - elapsed + window,
    );
  }
  return check.allow(limit - used, resetAfter(curr, prev));
}

/**
 * `sliding-window` (the default): two fixed windows, the previous one weighted by its overlap
 * (an approximate sliding window). Smooth, and one small key.
 */
export const slidingWindow: RateLimitAlgorithmDefinition<'sliding-window'> = {
  id: 'sliding-window',
  suffix: 'sw',
  stateType: 'hash',
  lua: LUA,
  memory: slidingWindowInMemory,
};
