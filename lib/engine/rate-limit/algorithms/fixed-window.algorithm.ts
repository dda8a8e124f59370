import type {
  RateLimitCheckContext,
  RawRateLimitReply,
} from '../../../drivers/store-driver.interface.js';
import type { RateLimitAlgorithmDefinition } from './rate-limit-algorithm.js';

/** A counter per epoch-aligned window: state { w = window start, c = count }. */
const LUA = `
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

/** The state: the window's start (epoch ms) and the units counted in it. */
interface FixedWindowState {
  w: number;
  c: number;
}

/** `LUA` step by step in process: the same integer arithmetic, the same replies and TTLs. */
function fixedWindowInMemory(check: RateLimitCheckContext): RawRateLimitReply {
  const { now, window, limit, cost, need } = check;
  const start = now - (now % window);
  const left = start + window - now;
  const state = check.state<FixedWindowState>();
  let count = 0;
  if (state?.w === start) count = state.c;
  if (count + need > limit) return check.refuse(left, left);
  if (cost > 0) {
    count += cost;
    check.save({ w: start, c: count } satisfies FixedWindowState, left);
  }
  return check.allow(limit - count, count > 0 ? left : 0);
}

/**
 * `fixed-window`: a counter per window, aligned to the clock. The cheapest check; allows bursts of
 * up to 2x `limit` across a window edge.
 */
export const fixedWindow: RateLimitAlgorithmDefinition<'fixed-window'> = {
  id: 'fixed-window',
  suffix: 'fw',
  stateType: 'hash',
  lua: LUA,
  memory: fixedWindowInMemory,
};
