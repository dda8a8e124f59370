import assert from 'node:assert/strict';
import type {
  RateLimitArgs,
  RateLimitKeys,
  RateLimitScript,
  RawRateLimitReply,
  StoreDriver,
} from '../../drivers/store-driver.interface.js';
import { RATE_LIMIT_ALGORITHMS } from '../../engine/rate-limit/algorithms/registry.js';
import type { CaseGroup } from '../case-definition.js';
import type { ContractScope } from '../contract-scope.js';
import { assertTtl } from '../checks.js';

/*
 * `StoreDriver.rateLimit` runs whatever script it is given; the cases run it with every algorithm
 * nestjs-store has (each a `RateLimitScript`), so a driver proves its atomic check with all of
 * them.
 */

/**
 * A window no check in a case straddles (windows are epoch-aligned) and nothing refills in (a
 * token comes back after window / limit): 30 days.
 */
const LONG_WINDOW = 30 * 86_400_000;
const HOUR = 3_600_000;

/** One check of `script` on `keys`. */
function check(
  driver: Required<StoreDriver>,
  script: RateLimitScript,
  keys: RateLimitKeys,
  args: Partial<RateLimitArgs>,
): Promise<RawRateLimitReply> {
  return driver.rateLimit(script, keys, {
    limit: 3,
    windowMs: LONG_WINDOW,
    cost: 1,
    blockMs: 0,
    ...args,
  });
}

/** Runs `body` for every algorithm at once, each on keys of its own. */
async function forEachAlgorithm(
  scope: ContractScope,
  body: (script: RateLimitScript, keys: RateLimitKeys) => Promise<void>,
): Promise<void> {
  await Promise.all(
    RATE_LIMIT_ALGORITHMS.map((algorithm) => body(algorithm, scope.rateLimitKeys(algorithm.id))),
  );
}

function assertAllowed(reply: RawRateLimitReply, remaining: number, what: string): void {
  assert.equal(reply.allowed, true, `${what}: allowed`);
  assert.equal(reply.remaining, remaining, `${what}: remaining`);
  assert.equal(reply.retryAfterMs, 0, `${what}: retryAfterMs of an allowed check`);
}

/**
 * A refusal: nothing remains, and a retry may pass no later than the state is full again (for a
 * cost within the limit).
 */
function assertRefused(reply: RawRateLimitReply, what: string, withinLimit = true): void {
  assert.equal(reply.allowed, false, `${what}: allowed`);
  assert.equal(reply.remaining, 0, `${what}: remaining of a refused check`);
  assert.ok(
    reply.retryAfterMs > 0,
    `${what}: retryAfterMs of a refused check must be > 0, got ${reply.retryAfterMs}`,
  );
  if (withinLimit)
    assert.ok(
      reply.retryAfterMs <= reply.resetAfterMs,
      `${what}: retryAfterMs (${reply.retryAfterMs}) must ` +
        `not exceed resetAfterMs (${reply.resetAfterMs})`,
    );
}

/**
 * `rateLimit`: every algorithm's replies, atomicity, cost, peeks, blocking, expiry, and the store's
 * clock.
 */
export const rateLimitCases: CaseGroup = {
  group: 'rateLimit',
  capability: 'rateLimit',
  cases: [
    {
      title:
        'a peek (cost 0) on fresh keys reports the whole ' +
        'limit and writes nothing (every algorithm)',
      async run(scope) {
        const driver = await scope.driver();
        await forEachAlgorithm(scope, async (script, keys) => {
          const reply = await check(driver, script, keys, { cost: 0, blockMs: HOUR });
          assert.deepEqual(
            {
              allowed: reply.allowed,
              remaining: reply.remaining,
              resetAfterMs: reply.resetAfterMs,
              retryAfterMs: reply.retryAfterMs,
            },
            { allowed: true, remaining: 3, resetAfterMs: 0, retryAfterMs: 0 },
            `${script.id}: a peek on fresh keys`,
          );
          assert.deepEqual(
            [await driver.pttl(keys.state), await driver.pttl(keys.block)],
            [-2, -2],
            `${script.id}: a peek must write nothing`,
          );
        });
      },
    },
    {
      title:
        'consumes count remaining down to 0, then checks are refused (0 < retryAfterMs ' +
        '<= resetAfterMs); state keys expire on their own (every algorithm)',
      async run(scope) {
        const driver = await scope.driver();
        await forEachAlgorithm(scope, async (script, keys) => {
          for (const remaining of [2, 1, 0]) {
            const reply = await check(driver, script, keys, {});
            assertAllowed(reply, remaining, `${script.id}: consume leaving ${remaining}`);
            assert.ok(
              reply.resetAfterMs > 0,
              `${script.id}: resetAfterMs once something was ` +
                `consumed must be > 0, got ${reply.resetAfterMs}`,
            );
          }
          assertRefused(
            await check(driver, script, keys, {}),
            `${script.id}: a consume over the limit`,
          );
          assertRefused(
            await check(driver, script, keys, { cost: 0 }),
            `${script.id}: a peek over the limit`,
          );
          assertTtl(
            await driver.pttl(keys.state),
            2 * LONG_WINDOW,
            `${script.id}: the state key must expire on its own`,
          );
        });
      },
    },
    {
      title:
        'a consume takes cost units; a refused one takes nothing, ' +
        'also with a cost above the limit (every algorithm)',
      async run(scope) {
        const driver = await scope.driver();
        await forEachAlgorithm(scope, async (script, keys) => {
          assertAllowed(
            await check(driver, script, keys, { limit: 5, cost: 2 }),
            3,
            `${script.id}: cost 2 of 5`,
          );
          assertRefused(
            await check(driver, script, keys, { limit: 5, cost: 6 }),
            `${script.id}: cost 6 of 5`,
            false,
          );
          assertRefused(
            await check(driver, script, keys, { limit: 5, cost: 4 }),
            `${script.id}: cost 4 with 3 left`,
          );
          assertAllowed(
            await check(driver, script, keys, { limit: 5, cost: 3 }),
            0,
            `${script.id}: cost 3 with 3 left (the refused checks took nothing)`,
          );
        });
      },
    },
    {
      title:
        'checks are atomic: of 12 concurrent consumes on one key with ' +
        'limit 4, exactly 4 pass, leaving 3, 2, 1 and 0 (every algorithm)',
      async run(scope) {
        const driver = await scope.driver();
        await forEachAlgorithm(scope, async (script, keys) => {
          const replies = await Promise.all(
            Array.from({ length: 12 }, () => check(driver, script, keys, { limit: 4 })),
          );
          const allowed = replies.filter((reply) => reply.allowed);
          assert.deepEqual(
            allowed.map((reply) => reply.remaining).sort((a, b) => a - b),
            [0, 1, 2, 3],
            `${script.id}: remaining of the checks that passed`,
          );
        });
      },
    },
    {
      title:
        'a refused consume with blockMs blocks the keys for blockMs; a refused ' +
        'peek never blocks; deleting both keys resets (every algorithm)',
      async run(scope) {
        const driver = await scope.driver();
        await forEachAlgorithm(scope, async (script, keys) => {
          const blocking = { limit: 1, blockMs: HOUR };
          assertAllowed(
            await check(driver, script, keys, blocking),
            0,
            `${script.id}: the one consume allowed`,
          );
          assertRefused(
            await check(driver, script, keys, { ...blocking, cost: 0 }),
            `${script.id}: a peek over the limit`,
          );
          assert.equal(
            await driver.pttl(keys.block),
            -2,
            `${script.id}: a refused peek must not block`,
          );
          const refused = await check(driver, script, keys, blocking);
          assertRefused(refused, `${script.id}: the consume that blocks`);
          assert.equal(
            refused.retryAfterMs,
            HOUR,
            `${script.id}: retryAfterMs of the consume that blocks is blockMs`,
          );
          assertTtl(await driver.pttl(keys.block), HOUR, `${script.id}: the block key's TTL`);
          const blocked = await check(driver, script, keys, { ...blocking, cost: 0 });
          assertRefused(blocked, `${script.id}: a check while blocked`);
          assert.ok(
            blocked.retryAfterMs <= HOUR,
            `${script.id}: retryAfterMs while blocked is the ` +
              `block's time left, got ${blocked.retryAfterMs}`,
          );
          assert.equal(
            await driver.delete([keys.state, keys.block]),
            2,
            `${script.id}: deleting the state and block keys`,
          );
          assertAllowed(
            await check(driver, script, keys, { ...blocking, cost: 0 }),
            1,
            `${script.id}: a peek after the reset`,
          );
        });
      },
    },
    {
      title:
        'capacity comes back once the window has passed, and the ' +
        'state key expires (every algorithm, 60 ms windows)',
      async run(scope) {
        const driver = await scope.driver();
        await forEachAlgorithm(scope, async (script, keys) => {
          const short = { limit: 1, windowMs: 60 };
          await check(driver, script, keys, short);
          await scope.waitFor(async () => {
            const peek = await check(driver, script, keys, { ...short, cost: 0 });
            return peek.allowed && peek.remaining === 1 && peek.resetAfterMs === 0;
          }, `${script.id}: a peek to report the whole limit again after 60 ms windows`);
          await scope.waitFor(
            async () => (await driver.pttl(keys.state)) === -2,
            `${script.id}: the state key to expire`,
          );
        });
      },
    },
    {
      title: "serverNowMs is the store's clock in epoch ms",
      async run(scope) {
        const driver = await scope.driver();
        const tolerance = scope.settings.clockToleranceMs;
        const before = Date.now();
        const reply = await check(driver, RATE_LIMIT_ALGORITHMS[0], scope.rateLimitKeys('clock'), {
          cost: 0,
        });
        const after = Date.now();
        assert.ok(
          Number.isInteger(reply.serverNowMs),
          `serverNowMs must be an integer, got ${reply.serverNowMs}`,
        );
        assert.ok(
          reply.serverNowMs >= before - tolerance && reply.serverNowMs <= after + tolerance,
          `serverNowMs ${reply.serverNowMs} must be within ${tolerance} ms ` +
            `(clockToleranceMs) of the time of the call [${before}, ${after}]`,
        );
      },
    },
  ],
};
