import { execFile, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  postGraphQL,
  type StartedProcess,
  startProcess,
  stopAllProcesses,
  needService,
  SYSTEM_TOOLS,
  testDatabaseUrl,
} from '@nhs-hub/kit/testing';
import type { AllStpsQuery, RegionOverviewQuery, RegionRankingsQuery, StpOverviewQuery } from '@nhs-hub/client';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyRuntimeLayout, REPO_ROOT } from '../image/layout.js';
import { readGraphConfig } from '@nhs-hub/kit/repo';
import { type Json, K8S_DIR, type Manifest, podContainers, podSpecOf, render } from '../k8s/render.js';

/**
 * The Dockerfile's contract without a Docker daemon: the runtime tree its build stage assembles
 * (infra/image/layout.ts, from a clean checkout: tracked files plus the compiled dist/), the runtime
 * dependencies `npm ci --omit=dev` installs, and the processes its commands start, each on its own,
 * on PostgreSQL, as Kubernetes runs them: a migrate Job per subgraph, replicas that neither migrate
 * nor seed, the gateway reading its supergraph from a mounted file (with the manifests'
 * SUBGRAPH_<NAME>_URL overrides, and again without any, finding the subgraphs in the supergraph).
 * A runtime import of a dev dependency, a file read from outside the tree or a missing data file
 * fails here. The tree is read-only while they run and they run as the manifests' user, so a
 * write anywhere but the writable folders they are given (TMPDIR, as the pods' emptyDir on /tmp)
 * fails too.
 */
const run = promisify(execFile);
const DATABASE_URL = testDatabaseUrl() ?? 'postgres://postgres@127.0.0.1:5432/test';
// The image's processes run on this PostgreSQL server, as the pods do; without one, those tests skip
// with a line saying how to start it (CI requires it). npm start's embedded PGlite needs none.
const postgres = await needService(SYSTEM_TOOLS.postgresServer, {
  host: new URL(DATABASE_URL).hostname,
  port: Number(new URL(DATABASE_URL).port || 5432),
});
const image = mkdtempSync(join(tmpdir(), 'hub-image-'));
/** The one place the processes may write, as the pods' emptyDir mounted on /tmp. */
const writable = mkdtempSync(join(tmpdir(), 'hub-image-tmp-'));
/** HOME as the image's user has it: a folder on the read-only root filesystem. */
const home = mkdtempSync(join(tmpdir(), 'hub-image-home-'));
/** Files the processes change after this are looked for outside the writable folders. */
const marker = join(tmpdir(), `hub-image-marker-${process.pid}`);
/** The subgraphs with tables (migrated and seeded by their Jobs), and those without (releases: no database). */
const subgraphs = readGraphConfig()
  .filter((s) => s.data !== false)
  .map((s) => s.name);
const readers = readGraphConfig()
  .filter((s) => s.data === false)
  .map((s) => s.name);
const schemaOf = (name: string) => `img_${process.pid}_${name}`;
const manifests = render(join(K8S_DIR, 'overlays/prod'));
type Obj = Record<string, Json>;
const asObj = (v: unknown) => (v ?? {}) as Obj;
const deployment = (name: string) => {
  const found = manifests.find((o) => o.kind === 'Deployment' && o.metadata.name === name);
  if (!found) throw new Error(`overlays/prod renders no Deployment ${name}`);
  return found as Manifest;
};

/**
 * Root writes through any permission bits, so where this test runs as root the processes run as
 * the user the manifests give the pods (runAsUser/runAsGroup, the Dockerfile's USER), which
 * cannot. Elsewhere they run as this user, for whom the read-only tree is read-only already.
 */
const pod = asObj(podSpecOf(deployment('gateway'))?.securityContext);
const runAs = process.getuid?.() === 0 ? { uid: Number(pod.runAsUser), gid: Number(pod.runAsGroup) } : null;
const nodeCommand = (args: readonly string[]) =>
  runAs
    ? {
        command: 'setpriv',
        args: [`--reuid=${runAs.uid}`, `--regid=${runAs.gid}`, '--clear-groups', process.execPath, ...args],
      }
    : { command: process.execPath, args: [...args] };

/** The Dockerfile's runtime install (its `npm ci --omit=dev`), flag for flag, so the test installs what the image does. */
function dockerfileRuntimeInstall(): string[] {
  const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8').replace(/\\\n\s*/g, ' ');
  const installs = [...dockerfile.matchAll(/^RUN npm ci ([^&\n]*)/gm)]
    .map((m) => (m[1] ?? '').trim().split(/\s+/))
    .filter((flags) => flags.includes('--omit=dev'));
  if (installs.length !== 1) throw new Error(`the Dockerfile has ${installs.length} npm ci --omit=dev, not one`);
  return installs[0] ?? [];
}

/** What the container sees: the image's ENV, the variables a manifest sets, and nothing of this shell. */
function containerEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: home,
    TMPDIR: writable,
    NODE_ENV: 'production',
    // In production a subgraph answers only calls the gateway signed with this key.
    HUB_GATEWAY_SECRET: 'image-test-gateway-secret-0123456789abcdef',
    HOST: '127.0.0.1',
    APOLLO_TELEMETRY_DISABLED: '1',
    LOG_LEVEL: 'silent',
    ...extra,
  };
}

/** A process of the image, started as its container command would be, from the image's tree. */
function start(label: string, script: string, env: Record<string, string>): StartedProcess {
  return startProcess({ label, ...nodeCommand([script]), cwd: image, env: containerEnv(env), inheritEnv: false });
}

const PROBES = ['readinessProbe', 'livenessProbe', 'startupProbe'] as const;
/**
 * The HTTP probes the manifests give a Deployment's container. Each probe's port (a name or a
 * number) must be the port the container is told to listen on (its PORT): the processes here
 * get PORT=0 instead, so a hub running on the manifests' ports is no obstacle, and are probed on
 * the port they then report.
 */
function probesOf(name: string): { probe: (typeof PROBES)[number]; path: string }[] {
  const [container] = podContainers([deployment(name)]);
  // Health is served on HUB_ADMIN_PORT where the manifest sets one (the gateway), on PORT otherwise. The
  // processes here run without HUB_ADMIN_PORT, so they serve it on PORT, the URL they print.
  const env = (key: string) => ((container?.env ?? []) as Obj[]).find((e) => e.name === key)?.value;
  const listens = Number(env('HUB_ADMIN_PORT') ?? env('PORT'));
  return PROBES.map((probe) => {
    const httpGet = asObj(asObj(container?.[probe]).httpGet);
    const port =
      typeof httpGet.port === 'string'
        ? ((container?.ports ?? []) as Obj[]).find((p) => p.name === httpGet.port)?.containerPort
        : httpGet.port;
    expect(port, `${name} ${probe} probes port ${String(httpGet.port)}, not PORT ${listens}`).toBe(listens);
    expect(httpGet.path, `${name} ${probe}`).toMatch(/^\//);
    return { probe, path: String(httpGet.path) };
  });
}

const health = async (url: string, path: string) => {
  const res = await fetch(new URL(path, url));
  return { status: res.status, body: (await res.json()) as { checks?: Record<string, unknown> } };
};

beforeAll(async () => {
  // Build first (tsc incremental, then the bundles): the image ships both, and stale ones would test old code.
  await run('npm', ['run', '--silent', 'build'], { cwd: REPO_ROOT, maxBuffer: 16 * 2 ** 20 });
  const { stdout } = await run('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
    cwd: REPO_ROOT,
    maxBuffer: 64 * 2 ** 20,
  });
  copyRuntimeLayout(REPO_ROOT, image, { tracked: new Set(stdout.split('\0').filter(Boolean)) });
  // --prefer-offline decides only where the locked tarballs come from, not what is installed.
  await run('npm', ['ci', ...dockerfileRuntimeInstall(), '--prefer-offline'], {
    cwd: image,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, npm_config_cache: process.env.npm_config_cache },
  });
  // readOnlyRootFilesystem: nobody may write in the tree; everybody may read it, as the image's root-owned /app.
  await run('chmod', ['-R', 'a-w,a+rX', image]);
  chmodSync(home, 0o555);
  if (runAs) chownSync(writable, runAs.uid, runAs.gid);
  writeFileSync(marker, '');
}, 180_000);

afterAll(async () => {
  await stopAllProcesses();
  if (postgres.path) {
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    for (const name of subgraphs) await client.query(`drop schema if exists ${schemaOf(name)} cascade`);
    await client.end();
  }
  await run('chmod', ['-R', 'u+w', image, home]);
  for (const dir of [image, writable, home, marker]) rmSync(dir, { recursive: true, force: true });
});

/**
 * An identity provider on loopback: an RS256 key pair whose public half is served as a JWKS, and
 * tokens signed with the private half for this hub's issuer and audience. Production processes
 * hold no key that can sign (packages/kit/src/platform/env.ts refuses HUB_JWT_SECRET there).
 */
const identityProvider = await (async () => {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'image-test', alg: 'RS256', use: 'sig' };
  const server = createHttpServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const issuer = 'https://login.example.test/';
  const audience = 'nhs-region-hub';
  return {
    env: { HUB_JWT_JWKS_URL: `http://127.0.0.1:${port}/jwks.json`, HUB_JWT_ISSUER: issuer, HUB_JWT_AUDIENCE: audience },
    sign: async (claims: { scope: string; sub: string }) =>
      `Bearer ${await new SignJWT({ scope: claims.scope })
        .setProtectedHeader({ alg: 'RS256', kid: jwk.kid })
        .setSubject(claims.sub)
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(privateKey)}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
})();
afterAll(() => identityProvider.close());

describe('the production image', () => {
  it('holds compiled code and data but no sources, tests or dev tooling', () => {
    expect(existsSync(join(image, 'dist/gateway.mjs'))).toBe(true);
    for (const name of subgraphs) {
      expect(existsSync(join(image, `dist/${name}.mjs`))).toBe(true);
      // Migrations and data stay files of their workspace: the bundle reads them from there.
      expect(existsSync(join(image, `services/${name}/dist/db/migrations/index.js`))).toBe(true);
      expect(existsSync(join(image, `services/${name}/src`))).toBe(false);
    }
    for (const name of readers) {
      expect(existsSync(join(image, `dist/${name}.mjs`))).toBe(true);
      expect(existsSync(join(image, `services/${name}/src`))).toBe(false);
    }
    expect(existsSync(join(image, 'packages/kit/src'))).toBe(false);
    for (const tool of ['typescript', 'tsx', 'vitest', 'turbo', 'kubernetes-models', 'yaml', 'autocannon']) {
      expect(existsSync(join(image, 'node_modules', tool)), `${tool} is a dev dependency`).toBe(false);
    }
    // Runtime dependencies are there, and the workspaces are linked.
    expect(existsSync(join(image, 'node_modules/@apollo/server/package.json'))).toBe(true);
    expect(existsSync(join(image, 'node_modules/@nhs-hub/finance/dist/index.js'))).toBe(true);
  });

  it.skipIf(!postgres.path)(
    'runs every subgraph and the gateway from it, migrated by one-shot Jobs, answering the public operations',
    async () => {
      // Replicas first, as a rollout may start them before its Jobs finish: they neither migrate nor seed.
      const replicas = subgraphs.map((name) =>
        start(name, `dist/${name}.mjs`, {
          DATABASE_URL,
          HUB_SCHEMA: schemaOf(name),
          PORT: '0',
          HUB_MIGRATE: 'verify',
          HUB_SEED: 'never',
          ...identityProvider.env,
        }),
      );
      const urls = await Promise.all(replicas.map(async (r) => [r.label, await r.ready] as const));
      // Before its Job: live (so neither its startup nor its liveness probe restarts it) but not ready.
      for (const [name, url] of urls) {
        for (const { probe, path } of probesOf(name)) {
          const { status, body } = await health(url, path);
          if (probe !== 'readinessProbe') expect(status, `${name} ${probe} ${path}`).toBe(200);
          else {
            expect(status, `${name} is not ready before its migration`).toBe(503);
            expect(String(body.checks?.migrations)).toMatch(/^pending: \d{4}_\d{2}_\d{2}_/);
          }
        }
      }

      // The Jobs: migrate and seed each schema once, then exit 0.
      await Promise.all(
        subgraphs.map(async (name) => {
          const job = nodeCommand([`dist/${name}.mjs`, 'migrate']);
          const { stdout } = await run(job.command, job.args, {
            cwd: image,
            env: containerEnv({ DATABASE_URL, HUB_SCHEMA: schemaOf(name), LOG_LEVEL: 'info' }),
          });
          expect(stdout).toMatch(
            new RegExp(
              `${name} migrated in schema ${schemaOf(name)} \\(postgres\\); applied \\d{4}_\\d{2}_\\d{2}_[^;]+; \\d+ `,
            ),
          );
        }),
      );
      for (const [name, url] of urls)
        for (const { probe, path } of probesOf(name))
          expect((await health(url, path)).status, `${name} ${probe} ${path} once migrated`).toBe(200);
      // A subgraph without tables needs no Job and no database: told where the others are (as the
      // hub-subgraph-urls ConfigMap tells it), it is ready at once.
      const readerUrls = await Promise.all(
        readers.map(async (name) => {
          const started = start(name, `dist/${name}.mjs`, {
            PORT: '0',
            ...Object.fromEntries(urls.map(([n, url]) => [`SUBGRAPH_${n.toUpperCase()}_URL`, url])),
          });
          return [name, await started.ready] as const;
        }),
      );
      for (const [name, url] of readerUrls)
        for (const { probe, path } of probesOf(name))
          expect((await health(url, path)).status, `${name} ${probe} ${path}`).toBe(200);
      const served = [...urls, ...readerUrls];

      // The gateway reads its supergraph from a mounted file, as from the ConfigMap.
      const mounted = join(image, '..', `${image.split('/').at(-1)}-config`);
      mkdirSync(mounted, { recursive: true });
      copyFileSync(join(REPO_ROOT, 'schema/supergraph.graphql'), join(mounted, 'supergraph.graphql'));
      const gatewayEnv = Object.fromEntries([
        ...served.map(([name, url]) => [`SUBGRAPH_${name.toUpperCase()}_URL`, url]),
        ['PORT', '0'],
        ['HUB_SUPERGRAPH_PATH', join(mounted, 'supergraph.graphql')],
        ...Object.entries(identityProvider.env),
      ]);
      const gateway = start('gateway', 'dist/gateway.mjs', gatewayEnv);
      const gatewayUrl = await gateway.ready;
      rmSync(mounted, { recursive: true, force: true });
      for (const { probe, path } of probesOf('gateway'))
        expect((await health(gatewayUrl, path)).status, `gateway ${probe} ${path}`).toBe(200);
      const readinessPath = String(
        asObj(asObj(podContainers([deployment('gateway')])[0]?.readinessProbe).httpGet).path,
      );
      const ready = await health(gatewayUrl, readinessPath);
      expect(ready.status).toBe(200);
      // One check per subgraph, the response cache (in memory here), which never fails readiness, and
      // the data version: every data subgraph's release known, learnt through signed calls.
      expect(Object.keys(ready.body.checks ?? {}).sort()).toEqual(
        [...subgraphs, ...readers, 'responseCache', 'dataVersion'].sort(),
      );
      expect(ready.body.checks?.responseCache).toBe(true);
      expect(ready.body.checks?.dataVersion).toBe(true);
      // What changed, through the gateway: the releases subgraph's signed calls to every data subgraph.
      const changed = await postGraphQL<{ changes: { nodes: { subgraph: string }[] } }>(
        gatewayUrl,
        '{ changes(first: 5) { nodes { subgraph release field } } }',
      );
      expect(changed.body.errors).toBeUndefined();
      expect(changed.body.data?.changes.nodes).toHaveLength(5);

      const operation = (name: string) => readFileSync(join(REPO_ROOT, 'schema/operations', `${name}.graphql`), 'utf8');
      const sourceLine = (file: string, line: number) =>
        readFileSync(join(image, 'infra/sources', file), 'utf8').split('\n')[line - 1] ?? '';

      // StpOverview: by ODS code, with every cited text on its line of the image's copy of the source.
      const overview = await postGraphQL<StpOverviewQuery>(gatewayUrl, operation('StpOverview'), { code: 'QJM' });
      expect(overview.body.errors).toBeUndefined();
      const stp = overview.body.data?.stp;
      expect(stp).toMatchObject({
        name: 'Lincolnshire',
        region: { name: 'Midlands' },
        financialGap: { combinedGbpM: '182' },
        gapPerHeadDerived: { gbpPerPerson: '260' },
      });
      expect(stp?.leads.map((l) => l.name)).toEqual(['Allan Kitt']);
      const cited = [...(stp?.financialGap?.sources ?? []), ...(stp?.populationSource ? [stp.populationSource] : [])];
      // Lincolnshire cites its population and its gap; an empty list would check nothing.
      expect(stp?.populationSource?.line).toBeGreaterThan(0);
      expect(stp?.financialGap?.sources.length).toBeGreaterThan(0);
      for (const source of cited) {
        expect(sourceLine(source.document.file, source.line)).toContain(source.text);
      }

      // AllStps: the whole list in one request, Lincolnshire in it with the same figure.
      const all = await postGraphQL<AllStpsQuery>(gatewayUrl, operation('AllStps'), {});
      expect(all.body.errors).toBeUndefined();
      const nodes = all.body.data?.stps.nodes ?? [];
      expect(nodes.length).toBe(all.body.data?.stps.totalCount);
      expect(nodes.length).toBeGreaterThan(40);
      expect(nodes.find((n) => n.code === 'QJM')).toMatchObject({
        name: 'Lincolnshire',
        financialGap: { combinedGbpM: '182' },
      });

      // RegionOverview: the derived total is the sum of its member STPs' gaps as this same graph states them.
      const region = await postGraphQL<RegionOverviewQuery>(gatewayUrl, operation('RegionOverview'), {
        code: 'Y60',
        asOf: '2020-01-01',
      });
      expect(region.body.errors).toBeUndefined();
      const snapshot = region.body.data?.regionSnapshot;
      expect(region.body.data?.region?.name).toBe('Midlands');
      expect(snapshot?.stps.map((s) => s.code)).toContain('QJM');
      const memberSum = (snapshot?.stps ?? []).reduce((sum, s) => sum + Number(s.financialGap?.combinedGbpM ?? 0), 0);
      expect(Number(snapshot?.financialSummary.combinedGapGbpM)).toBeCloseTo(memberSum, 6);

      // RegionRankings: restricted; the token is verified by the gateway and again by finance.
      const anonymous = await postGraphQL<RegionRankingsQuery>(gatewayUrl, operation('RegionRankings'), {
        code: 'Y60',
        asOf: '2020-01-01',
      });
      expect(anonymous.body.data?.regionSnapshot?.financialSummary.rankings).toBeNull();
      expect(anonymous.body.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
      // Signed by the identity provider, for this hub: production verifies tokens by public key only.
      const authorization = await identityProvider.sign({ scope: 'region:director', sub: 'image-test' });
      const ranked = await postGraphQL<RegionRankingsQuery>(
        gatewayUrl,
        operation('RegionRankings'),
        { code: 'Y60', asOf: '2020-01-01' },
        { authorization },
      );
      expect(ranked.body.errors).toBeUndefined();
      const rankings = ranked.body.data?.regionSnapshot?.financialSummary.rankings ?? [];
      expect(rankings.map((r) => r.rank)).toEqual(rankings.map((_, i) => i + 1));
      expect(rankings.map((r) => r.stpCode).sort()).toEqual(
        (snapshot?.stps ?? [])
          .filter((s) => s.financialGap?.combinedGbpM)
          .map((s) => s.code)
          .sort(),
      );
      const values = rankings.map((r) => Number(r.valueGbpM));
      expect(values).toEqual([...values].sort((a, b) => b - a));

      // Given no SUBGRAPH_<NAME>_URL at all, a gateway calls each subgraph where its supergraph's
      // @join__graph(url:) says, as one started from any composed supergraph file would: here a copy
      // naming this test's subgraphs, on ports no default could guess.
      let supergraph = readFileSync(join(REPO_ROOT, 'schema/supergraph.graphql'), 'utf8');
      for (const [name, url] of served) {
        const directive = new RegExp(`(@join__graph\\(name: "${name}", url: ")[^"]*(")`);
        expect(supergraph, `${name} in the supergraph`).toMatch(directive);
        supergraph = supergraph.replace(directive, `$1${url}$2`);
      }
      const own = join(image, '..', `${image.split('/').at(-1)}-supergraph`);
      mkdirSync(own, { recursive: true });
      writeFileSync(join(own, 'supergraph.graphql'), supergraph);
      const plainEnv = {
        PORT: '0',
        HUB_SUPERGRAPH_PATH: join(own, 'supergraph.graphql'),
        ...identityProvider.env,
      };
      expect(Object.keys(containerEnv(plainEnv)).filter((key) => key.startsWith('SUBGRAPH_'))).toEqual([]);
      const plain = start('gateway from the supergraph alone', 'dist/gateway.mjs', plainEnv);
      const plainUrl = await plain.ready;
      rmSync(own, { recursive: true, force: true });
      const plainReady = await health(plainUrl, readinessPath);
      expect(plainReady.status).toBe(200);
      expect(Object.keys(plainReady.body.checks ?? {}).sort()).toEqual(
        [...subgraphs, ...readers, 'responseCache', 'dataVersion'].sort(),
      );
      // The same answers as the gateway told where the subgraphs are.
      for (const [name, variables] of [
        ['StpOverview', { code: 'QJM' }],
        ['RegionOverview', { code: 'Y60', asOf: '2020-01-01' }],
      ] as const) {
        const [mine, theirs] = await Promise.all(
          [plainUrl, gatewayUrl].map((url) => postGraphQL(url, operation(name), variables)),
        );
        expect(mine?.body.errors, name).toBeUndefined();
        expect(mine?.body, name).toEqual(theirs?.body);
      }
      expect(await plain.stop('SIGTERM'), plain.label).toEqual({ code: 0, signal: null });

      // SIGTERM, as a pod stops: the gateway and a subgraph drain and exit 0 (not killed by the signal).
      for (const stopping of [gateway, replicas[0]])
        expect(await stopping?.stop('SIGTERM'), stopping?.label).toEqual({ code: 0, signal: null });
    },
    120_000,
  );
});

describe('npm start from the image', () => {
  it('runs the whole hub in one process on embedded PGlite (dist/hub.mjs), seeded from the image', async () => {
    // Its own writable volume, as the image's /var/lib/nhs-hub.
    const dataDir = mkdtempSync(join(tmpdir(), 'hub-image-pglite-'));
    if (runAs) chownSync(dataDir, runAs.uid, runAs.gid);
    try {
      // PORT=0: the gateway and every subgraph on free ports, so a hub running on 4000-4005 is no obstacle.
      const hub = start('npm start', 'dist/hub.mjs', { PORT: '0', PGLITE_DATA_DIR: `${dataDir}/hub` });
      const url = await hub.ready;
      const operation = readFileSync(join(REPO_ROOT, 'schema/operations/StpOverview.graphql'), 'utf8');
      const overview = await postGraphQL<StpOverviewQuery>(url, operation, { code: 'QJM' });
      expect(overview.body.errors).toBeUndefined();
      expect(overview.body.data?.stp).toMatchObject({
        name: 'Lincolnshire',
        region: { name: 'Midlands' },
        financialGap: { combinedGbpM: '182' },
      });
      expect(hub.output()).toMatch(/finance +http:\/\/127\.0\.0\.1:\d+\/graphql +\(44 stp_finance, /);
      expect(await hub.stop('SIGTERM')).toEqual({ code: 0, signal: null });
      // The purge key `npm run load` reads sits on the data volume, beside the database, for its user alone.
      expect(statSync(join(dataDir, 'gateway.json')).mode & 0o777).toBe(0o600);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('what the processes wrote', () => {
  // As root only: then they ran as a user of their own, whose files can be told from this run's.
  it.skipIf(!runAs)('is under the writable folders they were given, nowhere else', () => {
    // Anywhere they could write on this machine; the tree itself is read-only, or they would have failed.
    const places = ['/tmp', '/var/tmp', '/dev/shm', '/home', home].filter((dir) => existsSync(dir));
    const found = spawnSync(
      'find',
      [...places, '-xdev', '-path', writable, '-prune', '-o', '-uid', String(runAs?.uid), '-newer', marker, '-print'],
      { encoding: 'utf8', maxBuffer: 16 * 2 ** 20 },
    );
    // Other programs' temp files may vanish mid-walk (find then exits 1): only what it printed counts.
    expect(found.stdout.split('\n').filter(Boolean)).toEqual([]);
  });
});

describe('the production bundle', () => {
  it('refuses a development-only package, which the image would not have installed', async () => {
    const { devOnlyImports } = await import('../../scripts/bundle.js');
    const lock = {
      'node_modules/graphql': {},
      'node_modules/vitest': { dev: true },
      'node_modules/@nhs-hub/kit/node_modules/@vitest/expect': { devOptional: true },
    };
    const inputs = [
      'node_modules/graphql/index.mjs',
      'node_modules/vitest/dist/index.js',
      'node_modules/vitest/dist/chunk.js',
      'node_modules/@nhs-hub/kit/node_modules/@vitest/expect/dist/index.js',
      'packages/kit/dist/gateway.js',
    ];
    expect(devOnlyImports(inputs, lock)).toEqual([
      'node_modules/vitest',
      'node_modules/@nhs-hub/kit/node_modules/@vitest/expect',
    ]);
  });
});
