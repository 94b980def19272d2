import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { postGraphQL } from '@nhs-hub/kit/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { readGraphConfig, REPO_ROOT } from './config.js';

/**
 * The hub as it is deployed: every subgraph its own process (src/server.ts), the gateway its own
 * (gateway/src/server.ts) finding them through SUBGRAPH_<NAME>_URL. Each subgraph process opens its
 * own embedded database (or the CI server's, in a schema of its own).
 */
const children: ChildProcess[] = [];
const database = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
const schemaOf = (name: string) => `proc_${process.pid}_${name}`;
afterAll(async () => {
  if (database) {
    const { Client } = await import('pg');
    const client = new Client({ connectionString: database });
    await client.connect();
    for (const entry of readGraphConfig()) await client.query(`drop schema if exists ${schemaOf(entry.name)} cascade`);
    await client.end();
  }
});
afterAll(async () => {
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    ),
  );
});

function start(script: string, env: NodeJS.ProcessEnv, ready: RegExp): Promise<{ url: string; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: REPO_ROOT,
      env: { ...process.env, LOG_LEVEL: 'silent', PORT: '0', ...env },
    });
    children.push(child);
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const url = ready.exec(out)?.[1];
      if (url) resolve({ url, child });
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}: ${out.slice(-500)}`)));
  });
}

describe('one process per subgraph, and the gateway on its own', () => {
  it('answers the headline across processes and stops each one cleanly on SIGTERM', async () => {
    const subgraphs = await Promise.all(
      readGraphConfig().map(async (entry) => {
        const script = join(REPO_ROOT, entry.sdl.replace(/schema\.graphql$/, 'src/server.ts'));
        // On PostgreSQL each process keeps to a schema of its own, so parallel test runs never meet.
        const env = database
          ? { DATABASE_URL: database, HUB_SCHEMA: schemaOf(entry.name) }
          : { DATABASE_URL: undefined };
        const { url } = await start(script, env, /subgraph ready at (\S+)/);
        return [`SUBGRAPH_${entry.name.toUpperCase()}_URL`, url] as const;
      }),
    );
    const gateway = await start(
      join(REPO_ROOT, 'gateway/src/server.ts'),
      Object.fromEntries(subgraphs),
      /Gateway ready at (\S+)/,
    );
    const { body } = await postGraphQL(
      gateway.url,
      '{ stp(code: "QJM") { name region { name } leads { name } financialGap { combinedGbpM } workforceFacts { kind } } }',
    );
    expect(body.errors).toBeUndefined();
    expect(body.data).toMatchObject({
      stp: {
        name: 'Lincolnshire',
        region: { name: 'Midlands' },
        leads: [{ name: 'Allan Kitt' }],
        financialGap: { combinedGbpM: '182' },
      },
    });
    const exited = new Promise<number | null>((resolve) => gateway.child.once('exit', resolve));
    gateway.child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 120_000);
});
