/**
 * The defaults of the module options are defined once, in `STORE_DEFAULTS`, and repeated for
 * readers in two places: the `@default` tags of the option interfaces and the default column of
 * README.md's "## Configuration" table. This spec fails when any of the three disagree, when an
 * option cannot be reached from `forRoot` (not accepted by the option check) or is not documented,
 * and when `resolveStoreOptions` fills in other values than `STORE_DEFAULTS`. A pure unit spec.
 */
import { isDeepStrictEqual } from 'node:util';
import {
  MODULE_OPTIONS,
  NESTED_OPTIONS,
  resolveStoreOptions,
} from '../../lib/config/resolved-options.js';
import { STORE_DEFAULTS } from '../../lib/config/store-defaults.js';
import { ttlToMs } from '../../lib/common/ttl.js';
import {
  codeSpans,
  leaves,
  markdownTable,
  optionDocs,
  parseLiteral,
  repoFile,
  valueAt,
  type OptionDoc,
} from './doc-sources.js';

/** Where the options are declared, and the option path each interface's properties sit under. */
const OPTION_INTERFACES: Array<[string, Record<string, string>]> = [
  [
    'lib/config/store-options.interface.ts',
    {
      StoreModuleOptions: '',
      StoreMemoryOptions: 'memory.',
      StorePubSubOptions: 'pubsub.',
      StoreCircuitBreakerOptions: 'circuitBreaker.',
    },
  ],
  ['lib/engine/cache/cache-options.interface.ts', { StoreL1Options: 'l1.' }],
  [
    'lib/engine/stats/metrics-options.interface.ts',
    { StoreMetricsOptions: 'metrics.', StorePrometheusOptions: 'metrics.prometheus.' },
  ],
];

/** Options of `StoreModuleExtras`, which `StoreModule` reads itself (their defaults are not in `STORE_DEFAULTS`). */
const MODULE_EXTRAS = ['isGlobal', 'name'];

/** Nested options this spec leaves to their owners: `rateLimit` documents its own options and defaults. */
const NOT_CHECKED_HERE = ['rateLimit'];

const DEFAULTS = leaves(STORE_DEFAULTS);
const docs: OptionDoc[] = OPTION_INTERFACES.flatMap(([file, prefixes]) =>
  optionDocs(file, prefixes),
);
/** The Configuration table's rows by option path (its first cell, `memory.maxEntries`). */
const rows = new Map(
  markdownTable(repoFile('README.md'), '## Configuration').map((cells) => [
    codeSpans(cells[0])[0],
    cells,
  ]),
);

/** The literals a README default cell writes (`JsonSerializer`, `l1: true` and prose are not literals). */
function readmeLiterals(path: string): unknown[] {
  return codeSpans(rows.get(path)![2]).flatMap((span) => {
    const literal = parseLiteral(span);
    return literal === undefined ? [] : [literal.value];
  });
}

describe('option defaults: STORE_DEFAULTS, the JSDoc @default tags and the README agree', () => {
  it('every default has one @default tag in the JSDoc of its option, with the same value', () => {
    const disagreements: string[] = [];
    for (const [path, value] of DEFAULTS) {
      const tags = docs.find((doc) => doc.path === path)?.defaults ?? [];
      if (tags.length !== 1)
        disagreements.push(
          `${path}: ${tags.length} @default tags, expected 1 (${JSON.stringify(value)})`,
        );
      else if (!isDeepStrictEqual(parseLiteral(tags[0])?.value, value))
        disagreements.push(`${path}: @default ${tags[0]}, STORE_DEFAULTS ${JSON.stringify(value)}`);
    }
    expect(disagreements).toEqual([]);
  });

  it('no option carries a @default tag that STORE_DEFAULTS does not hold', () => {
    const extra = docs
      .filter((doc) => doc.defaults.length > 0 && !DEFAULTS.has(doc.path))
      .map((doc) => `${doc.path}: @default ${doc.defaults.join(', ')}`);
    expect(extra).toEqual([]);
  });

  it("the README's default column writes exactly the default of each option, and no value for an option without one", () => {
    const disagreements: string[] = [];
    for (const path of rows.keys()) {
      if (MODULE_EXTRAS.includes(path)) continue;
      const expected = valueAt(STORE_DEFAULTS, path);
      const written = readmeLiterals(path);
      const agrees =
        expected === undefined
          ? written.length === 0
          : written.length === 1 && isDeepStrictEqual(written[0], expected);
      if (!agrees)
        disagreements.push(
          `${path}: README ${JSON.stringify(written)}, STORE_DEFAULTS ${JSON.stringify(expected)}`,
        );
    }
    expect(disagreements).toEqual([]);
  });

  it('the README documents the default of every option that has one', () => {
    const undocumented = [...DEFAULTS.keys()].filter(
      (path) => !rows.has(path) && !rows.has(path.split('.')[0]),
    );
    expect(undocumented).toEqual([]);
  });

  it('resolveStoreOptions fills in STORE_DEFAULTS', () => {
    const {
      driver,
      keyPrefix,
      internalSegment,
      maxValueSize,
      maxKeyLength,
      commandTimeout,
      l1,
      pubsub,
      memory,
    } = STORE_DEFAULTS;
    expect(resolveStoreOptions({ driver: 'memory', l1: true })).toMatchObject({
      keyPrefix,
      internalSegment,
      maxValueSize,
      maxKeyLength,
      commandTimeout,
      maxEntries: memory.maxEntries,
      l1: { maxEntries: l1.maxEntries, ttlMs: ttlToMs(l1.ttl) },
      pubsub,
    });
    expect(resolveStoreOptions({ redis: 'redis://localhost:6379' }).driver).toBe(driver);
  });
});

describe('every option is reachable from forRoot and documented', () => {
  it('StoreModuleOptions declares exactly the options forRoot accepts', () => {
    const declared = docs.filter((doc) => !doc.path.includes('.')).map((doc) => doc.path);
    expect(declared.sort()).toEqual(
      MODULE_OPTIONS.filter((name) => !MODULE_EXTRAS.includes(name)).sort(),
    );
  });

  it('the nested option interfaces declare exactly the nested options forRoot accepts', () => {
    for (const prefix of ['l1', 'memory', 'pubsub']) {
      const declared = docs
        .filter((doc) => doc.path.startsWith(`${prefix}.`))
        .map((doc) => doc.path.slice(prefix.length + 1));
      const accepted = NESTED_OPTIONS.find(([name]) => name === prefix)![1];
      expect({ prefix, options: declared.sort() }).toEqual({
        prefix,
        options: [...accepted].sort(),
      });
    }
  });

  it('the Configuration table has a row for every option, and names every nested one', () => {
    const missing = [...MODULE_OPTIONS, 'name'].filter(
      (name) => !rows.has(name) && ![...rows.keys()].some((path) => path.startsWith(`${name}.`)),
    );
    for (const [parent, nested] of NESTED_OPTIONS) {
      if (NOT_CHECKED_HERE.includes(parent)) continue;
      const typeCell = rows.get(parent)?.[1] ?? '';
      missing.push(
        ...nested
          .filter(
            (name) => !rows.has(`${parent}.${name}`) && !new RegExp(`\\b${name}\\b`).test(typeCell),
          )
          .map((name) => `${parent}.${name}`),
      );
    }
    expect(missing).toEqual([]);
  });
});
