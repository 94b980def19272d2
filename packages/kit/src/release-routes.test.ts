import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type LoadableTable, loadFile } from './loader.js';
import { releaseRoutes } from './release-routes.js';
import { createTestHub, type TestHub } from './testing.js';

interface Db {
  staff_fact: { id: string; stp_code: string; value: string | null };
}
const loadable: LoadableTable<Db['staff_fact']> = {
  table: 'staff_fact',
  row: z.object({ id: z.string(), stp_code: z.string(), value: z.string().nullable() }),
  columns: ['id', 'stp_code', 'value'],
  key: ['id'],
  references: [],
};

const temp = mkdtempSync(join(tmpdir(), 'hub-routes-'));
let hub: TestHub;
let server: Server;
let base: string;

beforeAll(async () => {
  hub = await createTestHub();
  const { db } = await hub.newSchema<Db>('routes');
  await db.schema
    .createTable('staff_fact')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('stp_code', 'text', (c) => c.notNull())
    .addColumn('value', 'numeric')
    .execute();
  const load = (name: string, text: string) => {
    writeFileSync(join(temp, name), text);
    return loadFile(db as Kysely<Db>, loadable, join(temp, name));
  };
  await load('one.csv', 'id,stp_code,value\na,QJM,1\nb,QJM,2\nc,QJ2,3\n');
  await load('two.csv', 'id,stp_code,value\na,QJM,10\n');
  const routes = releaseRoutes('tiny', db);
  server = createServer((req, res) => {
    routes(req, res).then((answered) => {
      if (!answered) res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await hub.close();
  rmSync(temp, { recursive: true, force: true });
});

interface Page {
  subgraph: string;
  changes: { id: number; release: number; op: string; key: { id: string }; entity: { type: string; code: string } }[];
  next: number | null;
}
const get = async <T>(path: string) => {
  const res = await fetch(`${base}${path}`);
  return { status: res.status, body: (await res.json()) as T };
};

describe("a subgraph's release routes", () => {
  it('answers its latest release, and its releases newest first', async () => {
    expect((await get('/releases/version')).body).toEqual({ subgraph: 'tiny', release: 2, at: expect.any(String) });
    const list = await get<{ releases: { id: number }[] }>('/releases/list?limit=1');
    expect(list.body.releases.map((r) => r.id)).toEqual([2]);
  });

  it('pages the change records after a release by their id, whatever the page size', async () => {
    const first = await get<Page>('/releases/changes?first=2');
    expect(first.status).toBe(200);
    expect(first.body.changes.map((c) => [c.release, c.op, c.key.id])).toEqual([
      [1, 'insert', 'a'],
      [1, 'insert', 'b'],
    ]);
    expect(first.body.next).toBe(first.body.changes[1]?.id);
    const rest = await get<Page>(`/releases/changes?first=2&after=${first.body.next}`);
    expect(rest.body.changes.map((c) => [c.release, c.op, c.key.id])).toEqual([
      [1, 'insert', 'c'],
      [2, 'update', 'a'],
    ]);
    expect(rest.body.next).toBeNull();
    const later = await get<Page>('/releases/changes?sinceRelease=1');
    expect(later.body.changes.map((c) => c.key.id)).toEqual(['a']);
    const elsewhere = await get<Page>('/releases/changes?entity=Stp:QJ2');
    expect(elsewhere.body.changes.map((c) => [c.key.id, c.entity])).toEqual([['c', { type: 'Stp', code: 'QJ2' }]]);
    expect((await get<Page>('/releases/changes?table=other_table')).body.changes).toEqual([]);
  });

  it('refuses anything but GET with 405, and malformed parameters with 400 BAD_USER_INPUT', async () => {
    const post = await fetch(`${base}/releases/changes`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
    for (const query of [
      'first=-1',
      'first=ten',
      'after=1.5',
      'sinceRelease=x',
      'sinceTime=soon',
      'table=Bad-Table',
      'entity=QJM',
      'limit=1e3',
    ]) {
      const path = query.startsWith('limit') ? `/releases/list?${query}` : `/releases/changes?${query}`;
      const { status, body } = await get<{ errors: { extensions: { code: string } }[] }>(path);
      expect(status, query).toBe(400);
      expect(body.errors[0]?.extensions.code, query).toBe('BAD_USER_INPUT');
    }
  });
});
