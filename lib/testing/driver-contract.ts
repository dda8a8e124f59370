import { randomUUID } from 'node:crypto';
import type { CaseDefinition, CaseGroup } from './case-definition.js';
import { capabilityCases } from './cases/capabilities.cases.js';
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
import { DRIVER_CAPABILITIES } from '../drivers/driver-capabilities.js';
import type { DriverCapability } from '../drivers/store-driver.interface.js';
import type { DriverContractCase, DriverContractOptions } from './contract.types.js';

const GROUPS: CaseGroup[] = [
  capabilityCases,
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
 * the built-in Redis (standalone, Cluster) and memory drivers meet it. The core's cases always run;
 * those of an optional capability run when `capabilities` lists it (all of them by default), and
 * one case checks that the driver has exactly the capabilities listed. Returns the cases for any
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
  for (const { group, capability, cases: definitions } of GROUPS) {
    if (capability !== undefined && !settings.capabilities.has(capability)) continue;
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
    capabilities: resolveCapabilities(options.capabilities),
  };
}

function resolveCapabilities(
  capabilities: readonly DriverCapability[] | undefined,
): ReadonlySet<DriverCapability> {
  if (capabilities === undefined) return new Set(DRIVER_CAPABILITIES);
  const unknown = capabilities.filter((name) => !DRIVER_CAPABILITIES.includes(name));
  if (!Array.isArray(capabilities) || unknown.length > 0) {
    throw new TypeError(
      'driverContract: capabilities must be an array of ' +
        `${DRIVER_CAPABILITIES.map((name) => `'${name}'`).join(', ')}`,
    );
  }
  return new Set(capabilities);
}

/**
 * Runs one case; its drivers are closed either way, and a failure of the case wins over one in
 * cleaning up.
 */
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
