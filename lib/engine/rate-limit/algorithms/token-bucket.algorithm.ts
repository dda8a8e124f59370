import type {
  RateLimitCheckContext,
  RawRateLimitReply,
} from '../../../drivers/store-driver.interface.js';
import type { RateLimitAlgorithmDefinition } from './rate-limit-algorithm.js';

/**
 * Capacity `limit`, refilled continuously at limit per window. Tokens are held in units of
 * 1/window token (capacity limit * window, refill `limit` units per ms): integers only.
 * State { u = units, ts = when u was measured }.
 */
const LUA = `
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

/** The state: the bucket's content in 1/window tokens, and when it was measured (epoch ms). */
interface TokenBucketState {
  u: number;
  ts: number;
}

/** `LUA` step by step in process: the same integer arithmetic, the same replies and TTLs. */
function tokenBucketInMemory(check: RateLimitCheckContext): RawRateLimitReply {
  const { now, window, limit, cost, need } = check;
  const full = limit * window;
  const state = check.state<TokenBucketState>();
  let units = full;
  if (state) units = Math.min(full, state.u + Math.max(0, now - state.ts) * limit);
  const needUnits = need * window;
  if (units < needUnits)
    return check.refuse(Math.ceil((full - units) / limit), Math.ceil((needUnits - units) / limit));
  if (cost > 0) {
    units -= cost * window;
    check.save({ u: units, ts: now } satisfies TokenBucketState, Math.ceil((full - units) / limit));
  }
  return check.allow(Math.floor(units / window), Math.ceil((full - units) / limit));
}

/**
 * `token-bucket`: `limit` tokens, refilled continuously over `window`; allows bursts up to `limit`.
 */
export const tokenBucket: RateLimitAlgorithmDefinition<'token-bucket'> = {
  id: 'token-bucket',
  suffix: 'tb',
  stateType: 'hash',
  lua: LUA,
  memory: tokenBucketInMemory,
};
