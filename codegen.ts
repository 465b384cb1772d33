import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * The typed client: `npm run codegen` turns the printed schema and the operations in
 * examples/operations/ into typed documents under src/generated/ (committed);
 * `npm run codegen:check` fails when they are out of date, and so does
 * test/ecosystem/codegen.test.ts, which runs this config in memory and compares. It reads no
 * environment variable: what it generates depends only on files in the repository.
 */

const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: ['examples/operations/*.graphql', 'src/demo/operations/*.graphql'],
  ignoreNoDocuments: false,
  generates: {
    'src/generated/': {
      preset: 'client',
      presetConfig: {
        fragmentMasking: false,
        // persisted-documents.json: hash → text of every operation above, the gateway's trusted documents.
        persistedDocuments: { hashAlgorithm: 'sha256' },
      },
      config: {
        // NodeNext ESM: imports end in .js and type-only imports stay type-only.
        emitLegacyCommonJSImports: false,
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: 'string' },
        skipTypename: true,
      },
    },
  },
};

export default config;
