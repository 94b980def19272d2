import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAllSubgraphs, REPO_ROOT } from './config.js';
import { startTestGraph, type TestGraph } from './testing.js';

/**
 * @nhs-hub/client as a team outside this repository gets it: packed, installed from the tarball
 * into an app of its own (its own node_modules, Apollo Client and graphql from the registry),
 * type-checked, and run against the hub.
 */
const run = promisify(execFile);
/**
 * npm's variables from the `npm test` or `npx` this runs under would point the scratch install back
 * at the workspace, and NODE_OPTIONS carries the workspace's `@nhs-hub/source` condition.
 */
const cleanEnv = Object.fromEntries(
  Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) && key !== 'NODE_OPTIONS'),
);
const inScratch = (cwd: string, file: string, args: string[], timeout = 240_000) =>
  run(file, args, { cwd, env: cleanEnv, timeout, maxBuffer: 16 * 1024 * 1024 }).catch(
    (error: Error & { stdout?: string; stderr?: string }) => {
      throw new Error(`${file} ${args.join(' ')} failed:\n${error.stdout ?? ''}\n${error.stderr ?? ''}`);
    },
  );

const APP = `import { ApolloClient, HttpLink, InMemoryCache } from '@apollo/client';
import {
  AllStpsDocument,
  type Date as HubDate,
  type Decimal,
  type Scalars,
  StpOverviewDocument,
  type StpOverviewQueryVariables,
  typePolicies,
} from '@nhs-hub/client';

const client = new ApolloClient({
  link: new HttpLink({ uri: process.argv[2] }),
  cache: new InMemoryCache({ typePolicies }),
});
// The scalar types an app keeps in its state are the ones the documents take and give.
const asOf: HubDate = '2018-06-01';
const variables: StpOverviewQueryVariables = { code: 'QJM', asOf };
const overview = await client.query({ query: StpOverviewDocument, variables });
// Typed from the package: a typo in a field name would not compile.
const name: string | undefined = overview.data?.stp?.name;
const gap: Decimal | null | undefined = overview.data?.stp?.financialGap?.combinedGbpM;
const capital: Scalars['Decimal'] | null | undefined = overview.data?.stp?.financialGap?.capitalRequiredGbpM;
const first = await client.query({ query: AllStpsDocument, variables: { first: 10, offset: 0 } });
const more = await client.query({ query: AllStpsDocument, variables: { first: 10, offset: 10 }, fetchPolicy: 'network-only' });
const held = client.cache.readQuery({ query: AllStpsDocument, variables: { first: 10, offset: 0 } });
console.log(JSON.stringify({
  name,
  gap,
  capital,
  firstPage: first.data?.stps.nodes.length,
  afterSecondPage: more.data?.stps.nodes.length,
  held: held?.stps.nodes.length,
  total: held?.stps.totalCount,
}));
`;

describe('@nhs-hub/client from its tarball, in an app outside the repository', () => {
  let graph: TestGraph;
  const scratch = mkdtempSync(join(tmpdir(), 'hub-client-app-'));
  beforeAll(async () => {
    graph = await startTestGraph(await loadAllSubgraphs());
  }, 120_000);
  afterAll(async () => {
    await graph?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('packs dist with types only, installs with its peers, type-checks and answers StpOverview and pages of AllStps', async () => {
    await inScratch(REPO_ROOT, 'npx', ['tsc', '-b', 'packages/client/tsconfig.build.json']);
    const packed = await inScratch(`${REPO_ROOT}packages/client`, 'npm', [
      'pack',
      '--json',
      '--pack-destination',
      scratch,
    ]);
    const [tarball] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    if (!tarball) throw new Error('npm pack made nothing');
    const files = tarball.files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['package.json', 'dist/index.js', 'dist/index.d.ts']));
    expect(files.filter((f) => !f.startsWith('dist/') && f !== 'package.json')).toEqual([]);
    expect(files.filter((f) => /test|codegen/.test(f))).toEqual([]);

    const app = join(scratch, 'app');
    await inScratch(scratch, 'mkdir', ['-p', join(app, 'src')]);
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({
        name: 'directors-app',
        private: true,
        type: 'module',
        dependencies: {
          '@nhs-hub/client': `file:../${tarball.filename}`,
          '@apollo/client': '^4.0.0',
          graphql: '^16.8.0',
          rxjs: '^7.8.0',
          typescript: '5.9.3',
          '@types/node': '20.19.43',
        },
      }),
    );
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'es2022',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          strict: true,
          outDir: 'out',
          types: ['node'],
          // As Vite's templates set it: @wry/caches' own .d.ts fail nodenext; the app's use of the client's types is still checked.
          skipLibCheck: true,
        },
        include: ['src'],
      }),
    );
    writeFileSync(join(app, 'src', 'app.ts'), APP);
    await inScratch(app, 'npm', ['install', '--prefer-offline', '--no-audit', '--no-fund']);
    // One graphql in the app, its own: the client brings none (a peer), so its types fit the app's.
    const graphqls = await inScratch(app, 'npm', ['ls', 'graphql', '--all', '--parseable']);
    expect(new Set(graphqls.stdout.trim().split('\n'))).toEqual(new Set([join(app, 'node_modules', 'graphql')]));
    await inScratch(app, 'node', ['node_modules/typescript/bin/tsc', '-p', '.']);
    const answered = await inScratch(app, 'node', ['out/app.js', graph.gatewayUrl]);
    expect(JSON.parse(answered.stdout)).toEqual({
      name: 'Lincolnshire',
      gap: '182',
      capital: '205',
      firstPage: 10,
      // The paging policy: the second page is written after the first, and the list reads as one of 20.
      afterSecondPage: 20,
      held: 20,
      total: 45,
    });
  }, 600_000);
});
