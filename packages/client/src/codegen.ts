import { fileURLToPath } from 'node:url';
import { generate } from '@graphql-codegen/cli';
import type { CodegenConfig } from '@graphql-codegen/cli';
import { REPO_ROOT } from '@nhs-hub/kit/repo';

/**
 * GraphQL Code Generator's client preset over the public API schema and the public operations,
 * and answer types for the documents the hub itself sends (SERVER_TYPES). `npm run codegen -w
 * @nhs-hub/client` rewrites all of them; a test fails when any is stale.
 */
export const GENERATED_DIR = fileURLToPath(new URL('./generated/', import.meta.url));
/** The persisted-documents manifest codegen writes for the public operations (hash → document). */
export const PERSISTED_DOCUMENTS_PATH = `${GENERATED_DIR}persisted-documents.json`;

/**
 * Decimal is an exact decimal string ("399.3"): a JS number would turn it into 399.29999 and lose
 * the figure as stated. Date is an ISO 8601 calendar date ("2018-06-01") with no time or zone: a
 * JS Date would shift it across midnight in a browser west of UTC. Both stay strings on the wire
 * and in the types; without this mapping the client preset types them `unknown`.
 */
export const SCALARS = { Date: 'string', Decimal: 'string' } as const;

const TYPES_CONFIG = {
  scalars: SCALARS,
  strictScalars: true,
  enumsAsTypes: true,
  useTypeImports: true,
  avoidOptionals: false,
} as const;

/**
 * Documents that are not the public client's, by the types-only file generated for them
 * (repository-relative): the server's export documents, typed for gateway/src/exports.ts, and
 * the queries its test checks the exports against. typescript-operations, the plugin the client
 * preset builds on, without the preset's runtime documents: the kit reads its documents as text
 * and must not depend on codegen or Apollo at run time.
 */
export const SERVER_TYPES: Readonly<Record<string, readonly string[]>> = {
  'gateway/src/generated/exports.ts': ['gateway/data/exports/*.graphql'],
  'gateway/src/generated/exports-test.ts': ['gateway/src/exports.test.ts'],
};

export function codegenConfig(outputDir: string = GENERATED_DIR): CodegenConfig {
  return {
    schema: `${REPO_ROOT}schema/api.graphql`,
    emitLegacyCommonJSImports: false,
    silent: true,
    generates: {
      [outputDir]: {
        documents: [`${REPO_ROOT}schema/operations/*.graphql`],
        preset: 'client',
        // persisted-documents.json: sha256 → document, for each public operation. A gateway with
        // HUB_TRUSTED_DOCUMENTS=on accepts only the documents of its registered manifests; each
        // typed document carries its hash (`__meta__.hash`) to be sent instead of its text.
        presetConfig: { fragmentMasking: false, persistedDocuments: { hashAlgorithm: 'sha256' } },
        config: TYPES_CONFIG,
      },
      ...Object.fromEntries(
        Object.entries(SERVER_TYPES).map(([file, documents]) => [
          `${REPO_ROOT}${file}`,
          {
            documents: documents.map((d) => `${REPO_ROOT}${d}`),
            plugins: ['typescript-operations'],
            config: { ...TYPES_CONFIG, onlyOperationTypes: true },
          },
        ]),
      ),
    },
  };
}

/**
 * The generated files without writing them anywhere: the client's by name in src/generated/, the
 * server's types by their SERVER_TYPES path. `outputDir` is only where the preset believes it
 * writes (its imports between the files are relative).
 */
export async function generatedFiles(
  outputDir: string = GENERATED_DIR,
): Promise<{ client: Map<string, string>; server: Map<string, string> }> {
  const outputs = (await generate(codegenConfig(outputDir), false)) as { filename: string; content: string }[];
  const client = new Map<string, string>();
  const server = new Map<string, string>();
  for (const { filename, content } of outputs) {
    if (filename.startsWith(outputDir)) client.set(filename.slice(outputDir.length).replace(/^\//, ''), content);
    else server.set(filename.slice(REPO_ROOT.length), content);
  }
  return { client, server };
}

// node --import tsx src/codegen.ts  (npm run codegen)
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await generate(codegenConfig(), true);
  console.log(`generated ${GENERATED_DIR}`);
}
