import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { purgeGatewayCaches } from '@nhs-hub/kit/cache-purge';
import { readEnv } from '@nhs-hub/kit/env';
import { REPO_ROOT } from '@nhs-hub/kit/repo';
import type { SubgraphDefinition } from '@nhs-hub/kit/subgraph';
import { startTestGraph, type TestGraph } from '@nhs-hub/gateway/testing';
import { needSystemTool, SYSTEM_TOOLS } from '@nhs-hub/kit/testing';
import { subgraph as geography } from '@nhs-hub/geography';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CACHE, CACHE_CONFIG_DIR, CACHE_DISABLED, CACHE_PREFIX, CACHE_SECRET, CACHE_USER } from '../k8s/generate.js';
import { type Json, K8S_DIR, type Manifest, podContainers, podSpecOf, render } from '../k8s/render.js';

/**
 * The response cache's Redis as the manifests start it: the rendered redis.conf and command line
 * (the password filled in as the kubelet fills $(VAR) from the Secret), run by a real redis-server,
 * then used by a real gateway and purged as a migrate Job purges it. Every command the hub sends
 * must be allowed (the ACL log stays empty) and nothing else: no way in without the password, no
 * key outside the prefix, no FLUSHALL, FLUSHDB or CONFIG for anyone.
 */
// Absent, these skip with a line saying how to install it (CI requires it).
const hasRedis = needSystemTool(SYSTEM_TOOLS.redisServer).path !== null;
type Obj = Record<string, Json>;

const objects = render(join(K8S_DIR, 'overlays/prod'));
const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === CACHE.name) as Manifest;
const container = podContainers([deployment])[0] as Obj;
const config = objects.find(
  (o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith(`${CACHE.name}-config`),
) as Manifest;
const PASSWORD = randomBytes(24).toString('hex');

/** $(VAR) in a container's command, filled from its env as the kubelet does. */
function expand(args: readonly string[], env: Record<string, string>): string[] {
  return args.map((a) => a.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => env[name] ?? whole));
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });

describe.skipIf(!hasRedis)("the response cache's Redis, as rendered", () => {
  let dir: string;
  let port: number;
  let server: ChildProcess;
  const cli = (user: string | null, password: string | null, ...argv: string[]) =>
    spawnSync(
      'redis-cli',
      ['-p', String(port), '--no-auth-warning', ...(user ? ['--user', user] : []), '--raw', ...argv],
      { encoding: 'utf8', env: { ...process.env, ...(password ? { REDISCLI_AUTH: password } : {}) } },
    );
  const out = (user: string | null, password: string | null, ...argv: string[]) => {
    const r = cli(user, password, ...argv);
    return `${r.stderr}${r.stdout}`.trim();
  };
  const hub = (...argv: string[]) => out(CACHE_USER, PASSWORD, ...argv);
  // Only the test adds this user, to read the ACL log: the rendered server has no such door.
  const inspector = (...argv: string[]) => out('inspector', 'inspect', ...argv);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hub-cache-'));
    port = await freePort();
    const conf = String((config.data as Obj)['redis.conf']);
    // The pod's /tmp (its only writable place) is this test's directory.
    writeFileSync(join(dir, 'redis.conf'), conf.replace('dir /tmp', `dir ${dir}`));
    const env: Record<string, string> = {};
    for (const e of (container.env ?? []) as Obj[]) {
      const ref = ((e.valueFrom as Obj | undefined)?.secretKeyRef ?? {}) as Obj;
      expect(ref, String(e.name)).toEqual({ name: CACHE_SECRET, key: 'password' });
      env[String(e.name)] = PASSWORD;
    }
    const [command, ...args] = expand((container.command ?? []) as string[], env);
    expect(command).toBe('redis-server');
    const argv = args.map((a) => (a === `${CACHE_CONFIG_DIR}/redis.conf` ? join(dir, 'redis.conf') : a));
    server = spawn('redis-server', [
      ...argv,
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--user',
      'inspector',
      'on',
      '>inspect',
      '+acl|log',
      '+acl|whoami',
    ]);
    for (let i = 0; i < 50 && inspector('acl', 'whoami') !== 'inspector'; i++)
      await new Promise((r) => setTimeout(r, 100));
  }, 20_000);

  afterAll(() => {
    server?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads its config from the mounted ConfigMap and its password from the Secret, never from the manifests', () => {
    const pod = podSpecOf(deployment) as Obj;
    const mount = ((container.volumeMounts ?? []) as Obj[]).find((m) => m.mountPath === CACHE_CONFIG_DIR);
    const volume = ((pod.volumes ?? []) as Obj[]).find((v) => v.name === mount?.name);
    expect((volume?.configMap as Obj | undefined)?.name).toBe(config.metadata.name);
    expect(JSON.stringify(objects)).not.toContain(PASSWORD);
    expect((container.command as string[]).join(' ')).toContain('>$(HUB_CACHE_PASSWORD)');
  });

  it('lets nobody in without the password, and the hub only under its prefix', () => {
    expect(out(null, null, 'ping')).toMatch(/NOAUTH/);
    expect(out('default', 'anything', 'ping')).toMatch(/WRONGPASS/);
    expect(out(CACHE_USER, 'not-the-password', 'ping')).toMatch(/WRONGPASS/);
    expect(hub('ping')).toBe('PONG');
    expect(hub('set', `${CACHE_PREFIX}probe`, '1')).toBe('OK');
    expect(hub('get', 'somebody-else:key')).toMatch(/NOPERM/);
    expect(hub('keys', '*')).toMatch(/NOPERM/);
    expect(hub('acl', 'list')).toMatch(/NOPERM/);
    expect(hub('eval', 'return 1', '0')).toMatch(/NOPERM/);
  });

  it('has FLUSHALL, FLUSHDB and CONFIG disabled for everyone', () => {
    for (const command of CACHE_DISABLED) {
      expect(hub(command.toLowerCase(), ...(command === 'CONFIG' ? ['get', 'save'] : []))).toMatch(/unknown command/);
      expect(inspector(command.toLowerCase())).toMatch(/unknown command/);
    }
    expect(hub('get', `${CACHE_PREFIX}probe`)).toBe('1');
  });

  it('answers the readiness probe the manifests run (redis-cli, password from REDISCLI_AUTH)', () => {
    const probe = ((container.readinessProbe as Obj).exec as Obj).command as string[];
    const [tool, ...argv] = probe;
    const result = spawnSync(String(tool), ['-p', String(port), ...argv], {
      encoding: 'utf8',
      env: { ...process.env, REDISCLI_AUTH: PASSWORD },
    });
    expect(result.stdout.trim()).toBe('PONG');
  });

  describe('used by a gateway and purged as a migrate Job purges it', () => {
    let graph: TestGraph;
    const url = () => `redis://${CACHE_USER}:${PASSWORD}@127.0.0.1:${port}`;
    beforeAll(async () => {
      // The refusals the tests above provoked on purpose are not the hub's.
      expect(inspector('acl', 'log', 'reset')).toBe('OK');
      graph = await startTestGraph([geography] as SubgraphDefinition<unknown>[], {
        cache: { ttlMs: 300_000, redisUrl: url(), redisKeyPrefix: CACHE_PREFIX },
      });
    }, 60_000);
    afterAll(() => graph?.close());

    const ask = async () => {
      graph.resetCounters();
      const res = await fetch(new URL('/graphql', graph.gatewayUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ stps(first: 3) { totalCount nodes { code } } }' }),
      });
      const body = (await res.json()) as { errors?: unknown; data?: { stps: { totalCount: number } } };
      expect(body.errors).toBeUndefined();
      expect(body.data?.stps.totalCount).toBeGreaterThan(0);
      return graph.statements() === 0 ? 'hit' : 'miss';
    };

    it('keeps answers, drops them on a purge, and is refused nothing it asks', async () => {
      // The gateway turns ready once it has read the generation and subscribed for purges.
      for (let i = 0; i < 50 && (await ask()) === 'miss'; i++) await new Promise((r) => setTimeout(r, 100));
      expect(await ask()).toBe('hit');
      expect(hub('scan', '0', 'match', `${CACHE_PREFIX}*`, 'count', '1000').split('\n').length).toBeGreaterThan(2);
      const lines = await purgeGatewayCaches(
        readEnv({ HUB_CACHE_REDIS_URL: url(), HUB_CACHE_REDIS_PREFIX: CACHE_PREFIX }),
      );
      expect(lines.join('\n')).toMatch(/response cache purged in Redis/);
      await new Promise((r) => setTimeout(r, 200));
      expect(await ask()).toBe('miss');
      // Every command the hub sent was allowed.
      expect(inspector('acl', 'log')).toBe('');
    });

    it("purges with the runbook's command after a restore (infra/README.md, step 7)", async () => {
      const readme = readFileSync(join(REPO_ROOT, 'infra/README.md'), 'utf8');
      const command = /exec deployment\/hub-cache -c redis -- sh -c \\\n\s*'([^']+)'/.exec(readme)?.[1];
      expect(command).toBeDefined();
      expect(await ask()).toBe('hit');
      const generation = Number(hub('get', `${CACHE_PREFIX}#generation`));
      const result = spawnSync('sh', ['-c', String(command).replaceAll('redis-cli ', `redis-cli -p ${port} `)], {
        encoding: 'utf8',
        env: { ...process.env, REDISCLI_AUTH: PASSWORD },
      });
      expect(result.status, result.stderr).toBe(0);
      expect(Number(hub('get', `${CACHE_PREFIX}#generation`))).toBe(generation + 1);
      await new Promise((r) => setTimeout(r, 200));
      expect(await ask()).toBe('miss');
      expect(inspector('acl', 'log')).toBe('');
    });
  });
});
