import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * The typed client: `npm run codegen` turns the printed schema and the operations in
 * examples/operations/ into typed documents under src/generated/ (committed);
 * `npm run codegen:check` fails when they are out of date.
 * CODEGEN_OUT writes elsewhere (the sync test generates into a temporary folder and compares).
 */
const out = process.env.CODEGEN_OUT ?? 'src/generated/';

const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: ['examples/operations/*.graphql'],
  ignoreNoDocuments: false,
  generates: {
    [out]: {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
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
