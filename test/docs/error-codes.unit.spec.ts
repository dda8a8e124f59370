/**
 * README.md's "## Errors" table lists every `code` a `StoreError` can carry: exactly the members of
 * the `StoreErrorCode` union (which the compiler holds every thrown code to). A pure unit spec.
 */
import { codeSpans, markdownTable, repoFile, unionMembers } from './doc-sources.js';

describe('error codes', () => {
  it("the README's Errors table lists exactly the StoreErrorCode union", () => {
    const documented = markdownTable(repoFile('README.md'), '## Errors').flatMap((cells) =>
      codeSpans(cells[1]),
    );
    const declared = unionMembers('lib/errors/store.errors.ts', 'StoreErrorCode');
    expect([...new Set(documented)].sort()).toEqual([...declared].sort());
  });
});
