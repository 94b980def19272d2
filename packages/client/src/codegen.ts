import { fileURLToPath } from 'node:url';
import { generate } from '@graphql-codegen/cli';
import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * GraphQL Code Generator's client preset over the public API schema and the public operations.
 * `npm run codegen -w @nhs-hub/client` rewrites src/generated/; a test fails when it is stale.
 */
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const GENERATED_DIR = fileURLToPath(new URL('./generated/', import.meta.url));

/**
 * Decimal is an exact decimal string ("399.3"): a JS number would turn it into 399.29999 and lose
 * the figure as stated. Date is an ISO 8601 calendar date ("2018-06-01") with no time or zone: a
 * JS Date would shift it across midnight in a browser west of UTC. Both stay strings on the wire
 * and in the types; without this mapping the client preset types them `unknown`.
 */
export const SCALARS = { Date: 'string', Decimal: 'string' } as const;

export function codegenConfig(outputDir: string = GENERATED_DIR): CodegenConfig {
  return {
    schema: `${REPO_ROOT}schema/api.graphql`,
    documents: [`${REPO_ROOT}schema/operations/*.graphql`],
    emitLegacyCommonJSImports: false,
    silent: true,
    generates: {
      [outputDir]: {
        preset: 'client',
        presetConfig: { fragmentMasking: false },
        config: {
          scalars: SCALARS,
          strictScalars: true,
          enumsAsTypes: true,
          useTypeImports: true,
          avoidOptionals: false,
        },
      },
    },
  };
}

/** The generated files, by name, without writing them anywhere. */
export async function generatedFiles(outputDir: string = GENERATED_DIR): Promise<Map<string, string>> {
  const outputs = (await generate(codegenConfig(outputDir), false)) as { filename: string; content: string }[];
  return new Map(outputs.map((o) => [o.filename.slice(outputDir.length).replace(/^\//, ''), o.content]));
}

// node --import tsx src/codegen.ts  (npm run codegen)
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await generate(codegenConfig(), true);
  console.log(`generated ${GENERATED_DIR}`);
}
