import assert from 'node:assert/strict';
import {
  CORE_METHODS,
  missingMethods,
  surveyCapabilities,
} from '../../drivers/driver-capabilities.js';
import type { CaseGroup } from '../case-definition.js';

/**
 * The driver's shape: the whole core, and exactly the optional capabilities the run declares, each
 * whole.
 */
export const capabilityCases: CaseGroup = {
  group: 'capabilities',
  cases: [
    {
      title:
        'the driver has every core member, and exactly ' +
        'the declared optional capabilities, each whole',
      async run(scope) {
        const driver = await scope.driver();
        assert.deepEqual(missingMethods(driver, CORE_METHODS), [], 'core methods missing');
        assert.ok(
          driver.kind === 'redis' || driver.kind === 'memory',
          `kind must be 'redis' or 'memory', got ${String(driver.kind)}`,
        );
        assert.notEqual(driver.client, undefined, 'client must be a client or null');
        const survey = surveyCapabilities(driver);
        assert.deepEqual(
          survey.partial,
          [],
          'members missing from a capability the driver has in part',
        );
        assert.deepEqual(
          [...survey.capabilities].sort(),
          [...scope.settings.capabilities].sort(),
          'the capabilities the driver has (left) and those ' +
            'the run declares (options.capabilities, right)',
        );
      },
    },
  ],
};
