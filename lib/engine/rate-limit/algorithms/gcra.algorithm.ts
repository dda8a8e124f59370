import type {
  RateLimitCheckContext,
  RawRateLimitReply,
} from '../../../drivers/store-driver.interface.js';
import type { RateLimitAlgorithmDefinition } from './rate-limit-algorithm.js';

/**
 * GCRA: emission interval window/limit, burst tolerance window. The theoretical arrival time (TAT)
 * is kept as ms + a fraction in 1/limit ms, and compared as d = (TAT - now) * limit, so the
 * emission interval is exactly `window` units and the tolerance `limit * window`.
 * State { t = TAT ms, f = TAT fraction (0..limit-1) }.
 */
const LUA = `
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

/** The state: the theoretical arrival time, in ms and a fraction of 1/limit ms. */
interface GcraState {
  t: number;
  f: number;
}

/** `LUA` step by step in process: the same integer arithmetic, the same replies and TTLs. */
function gcraInMemory(check: RateLimitCheckContext): RawRateLimitReply {
  const { now, window, limit, cost, need } = check;
  const tolerance = limit * window;
  const state = check.state<GcraState>();
  let d = 0;
  if (state) d = Math.max(0, (state.t - now) * limit + state.f);
  const nd = d + need * window;
  if (nd > tolerance)
    return check.refuse(Math.ceil(d / limit), Math.ceil((nd - tolerance) / limit));
  if (cost > 0) {
    d = nd;
    check.save(
      { t: now + Math.floor(d / limit), f: d % limit } satisfies GcraState,
      Math.ceil(d / limit),
    );
  }
  return check.allow(Math.floor((tolerance - d) / window), Math.ceil(d / limit));
}

/**
 * `gcra`: the generic cell rate algorithm (leaky bucket as a meter): requests evenly spaced,
 * `window / limit` apart, with a burst of `limit`, in one small key.
 */
export const gcra: RateLimitAlgorithmDefinition<'gcra'> = {
  id: 'gcra',
  suffix: 'gc',
  stateType: 'hash',
  lua: LUA,
  memory: gcraInMemory,
};
