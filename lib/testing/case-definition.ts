import type { DriverCapability } from '../drivers/store-driver.interface.js';
import type { DriverContractGroup } from './contract.types.js';
import type { ContractScope } from './contract-scope.js';

/** One case as the case files write it: a title and its steps on a scope. */
export interface CaseDefinition {
  title: string;
  /** Runs only when the options can write a key of another type (`writeOtherType`). */
  needsOtherType?: boolean;
  run(scope: ContractScope): Promise<void>;
}

/** The cases of one method group. */
export interface CaseGroup {
  group: DriverContractGroup;
  /** The optional capability the group checks; without one, the group is the core's. */
  capability?: DriverCapability;
  cases: CaseDefinition[];
}
