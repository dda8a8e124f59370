// typescript-eslint's recommended rules over the library, its tests, the benchmarks and the sample.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', '.build/**', '.tmp/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // tsc (noUnusedLocals / noUnusedParameters) already reports these, with the `_` convention.
      '@typescript-eslint/no-unused-vars': 'off',
      // tsc checks names in TypeScript; the .mjs pack tests run on Node, whose globals ESLint does not know.
      'no-undef': 'off',
    },
  },
  {
    // Prettier wraps code at 100 columns but not comments or strings: this keeps those within it too.
    files: ['lib/**/*.ts'],
    rules: {
      'max-len': ['error', { code: 100, ignorePattern: '^import ', ignoreUrls: true }],
    },
  },
);
