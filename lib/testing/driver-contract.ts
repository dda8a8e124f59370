import { randomUUID } from 'node:crypto';
import type { CaseDefinition, CaseGroup } from './case-definition.js';
import { closeCases } from './cases/close.cases.js';
import { connectionCases } from './cases/connection.cases.js';
import { deleteByPatternCases } from './cases/delete-by-pattern.cases.js';
import { deleteCases } from './cases/delete.cases.js';
import { expiryCases } from './cases/expiry.cases.js';
import { hashCases } from './cases/hashes.cases.js';
import { incrementCases } from './cases/increment.cases.js';
import { leaseCases } from './cases/leases.cases.js';
import { pubsubCases } from './cases/pubsub.cases.js';
import { rateLimitCases } from './cases/rate-limit.cases.js';
import { streamCases } from './cases/streams.cases.js';
import { stringCases } from './cases/strings.cases.js';
import { tagCases } from './cases/tags.cases.js';
import { ContractScope, type ContractSettings } from './contract-scope.js';
import type { DriverContractCase, DriverContractOptions } from './contract.types.js';

const GROUPS: CaseGroup[] = [
  stringCases,
  hashCases,
  incrementCases,
  expiryCases,
  deleteCases,
  deleteByPatternCases,
  tagCases,
  leaseCases,
  rateLimitCases,
  pubsubCases,
  connectionCases,
  streamCases,
  closeCases,
];

/**
 * The contract every `StoreDriver` must meet: what `StoreService` relies on, in Redis's terms, as
 * the built-in Redis (standalone, Cluster) and memory drivers meet it. Returns the cases for any
 * test framework; each makes its own drivers with `createDriver`, closes them, and rejects with an
 * `AssertionError` (`node:assert`) on a violation. Cases use names of their own, so they may run
 * against one server, one after another or at once.
 *
 * @example
 * ```ts
 * import { driverContract } from 'nestjs-store/testing';
 *
 * describe('MyDriver', () => {
 *   for (const c of driverContract({ createDriver: () => new MyDriver(url) })) it(c.name, c.run);
 * });
 * ```
 */
export function driverContract(options: DriverContractOptions): DriverContractCase[] {
  const settings = resolveSettings(options);
  const runPrefix = `${options.keyPrefix ?? 'nestjs-store-contract:'}${randomUUID().slice(0, 8)}:`;
  const cases: DriverContractCase[] = [];
  for (const { group, cases: definitions } of GROUPS) {
    for (const definition of definitions) {
      if (definition.needsOtherType && !settings.writeOtherType) continue;
      const prefix = `${runPrefix}${cases.length}:`;
      cases.push({
        name: `${group}: ${definition.title}`,
        group,
        run: () => runCase(definition, settings, prefix),
      });
    }
  }
  return cases;
}

function resolveSettings(options: DriverContractOptions): ContractSettings {
  if (
    options === null ||
    typeof options !== 'object' ||
    typeof options.createDriver !== 'function'
  ) {
    throw new TypeError(
      'driverContract needs { createDriver: () => StoreDriver | Promise<StoreDriver> }',
    );
  }
  return {
    createDriver: options.createDriver,
    nodeLocalPublishCount: options.nodeLocalPublishCount ?? false,
    timeoutMs: options.timeoutMs ?? 5_000,
    clockToleranceMs: options.clockToleranceMs ?? 1_000,
    writeOtherType: options.writeOtherType,
  };
}

/** Runs one case; its drivers are closed either way, and a failure of the case wins over one in cleaning up. */
async function runCase(
  definition: CaseDefinition,
  settings: ContractSettings,
  prefix: string,
): Promise<void> {
  const scope = new ContractScope(settings, prefix);
  try {
    await definition.run(scope);
  } catch (error) {
    await scope.dispose().catch(() => undefined);
    throw error;
  }
  await scope.dispose();
}
