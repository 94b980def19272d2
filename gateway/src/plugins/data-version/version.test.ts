import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NO_DATA_VERSION, type ReleaseAnnouncement, rootLogger } from '@nhs-hub/kit/platform';
import { afterAll, describe, expect, it } from 'vitest';
import { isLater, SUBGRAPH_VERSION_PATH, trackDataVersion } from './version.js';

describe('a later release', () => {
  it('never goes back: a lower release counts only when it landed later (a database reseeded from nothing)', () => {
    const known = { release: 5, at: '2026-12-07T10:00:00.000Z' };
    expect(isLater(known, { release: 6, at: '2026-12-07T09:00:00.000Z' })).toBe(true);
    expect(isLater(known, { release: 5, at: '2026-12-07T11:00:00.000Z' })).toBe(false);
    expect(isLater(known, { release: 4, at: '2026-12-07T09:59:00.000Z' })).toBe(false);
    expect(isLater(known, { release: 1, at: '2026-12-07T10:01:00.000Z' })).toBe(true);
    expect(isLater(known, { release: null, at: null })).toBe(false);
    expect(isLater(undefined, { release: null, at: null })).toBe(true);
    expect(isLater({ release: null, at: null }, { release: 1, at: 'x' })).toBe(true);
  });
});

const servers: Server[] = [];
afterAll(async () => {
  for (const server of servers) await new Promise((resolve) => server.close(resolve));
});
/** A subgraph's release route on loopback, answering what `answer` says at the time; the calls it had. */
async function subgraph(
  answer: () => { status: number; body?: unknown },
): Promise<{ url: string; asked: () => number }> {
  let asked = 0;
  const server = createServer((req, res) => {
    if (req.url === SUBGRAPH_VERSION_PATH) asked++;
    const { status, body } = answer();
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(body === undefined ? '' : JSON.stringify(body));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, asked: () => asked };
}
const announcement = (subgraph: string, id: number, at: string): ReleaseAnnouncement => ({
  subgraph,
  id,
  at,
  actor: '',
  kind: 'load',
  tables: ['fact'],
  files: [],
  counts: { inserted: 1, updated: 0, deleted: 0 },
  reverts: null,
  revertedBy: null,
});

describe('the data version kept from asking and announcements', () => {
  it("is every subgraph's release as asked, and moves once per release however it hears of it", async () => {
    let finance = 3;
    const a = await subgraph(() => ({ status: 200, body: { release: finance, at: '2026-12-07T10:00:00.000Z' } }));
    const b = await subgraph(() => ({ status: 200, body: { release: 7, at: '2026-12-07T10:00:00.000Z' } }));
    const { version, readiness } = trackDataVersion({ workforce: b.url, finance: a.url }, undefined, rootLogger);
    await version.refresh();
    expect(version.current()).toBe('finance.3-workforce.7');
    expect(readiness()).toBe(true);
    const moves: string[] = [];
    const heard: number[] = [];
    version.onChange((v) => moves.push(v));
    version.onRelease(() => {
      throw new Error('a listener that fails');
    });
    version.onRelease((release) => heard.push(release.id));
    // Announced, then asked: one move, one delivery to each release listener.
    expect(version.announce(announcement('finance', 4, '2026-12-07T11:00:00.000Z'))).toBe(true);
    finance = 4;
    await version.refresh();
    expect(version.announce(announcement('finance', 4, '2026-12-07T11:00:00.000Z'))).toBe(false);
    expect(moves).toEqual(['finance.4-workforce.7']);
    expect(heard).toEqual([4]);
    // Older than what it knows, or of a subgraph this graph does not compose: no move.
    expect(version.announce(announcement('finance', 2, '2026-12-07T09:00:00.000Z'))).toBe(false);
    expect(version.announce(announcement('elsewhere', 9, '2026-12-07T12:00:00.000Z'))).toBe(false);
    expect(version.current()).toBe('finance.4-workforce.7');
    expect(version.releases()).toEqual({
      finance: { release: 4, at: '2026-12-07T11:00:00.000Z' },
      workforce: { release: 7, at: '2026-12-07T10:00:00.000Z' },
    });
  });

  it('leaves out a subgraph without releases, and is not ready while one it never knew is failing', async () => {
    const releases = await subgraph(() => ({ status: 404 }));
    const broken = await subgraph(() => ({ status: 500 }));
    const { version, readiness } = trackDataVersion(
      { releases: releases.url, finance: broken.url },
      undefined,
      rootLogger,
    );
    await version.refresh();
    await version.refresh();
    // Asked once: a 404 says it keeps no releases, so later rounds skip it until it announces one.
    expect(releases.asked()).toBe(1);
    expect(broken.asked()).toBe(2);
    expect(readiness()).toBe('no release known of finance (status 500)');
    expect(version.current()).toBe(NO_DATA_VERSION);
    expect(version.releases()).toEqual({});
    version.announce(announcement('releases', 1, '2026-12-07T10:00:00.000Z'));
    await version.refresh();
    expect(releases.asked()).toBe(2);
  });
});
