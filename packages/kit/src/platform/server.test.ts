import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, sendJson, serve } from './server.js';

describe('the HTTP shell', () => {
  let server: RunningServer;
  const seen: string[] = [];
  beforeAll(async () => {
    server = await serve({
      name: 'shell-test',
      handler: async (_req, res, { requestId }) => {
        seen.push(requestId);
        sendJson(res, 200, { requestId });
      },
    });
  });
  afterAll(() => server.close());

  it('keeps a caller’s request id only when it is a plain token of sane length, and echoes the one it used', async () => {
    const ask = async (id: string) => {
      const res = await fetch(server.url, { method: 'POST', headers: { 'x-request-id': id }, body: '{}' });
      const used = res.headers.get('x-request-id') ?? '';
      expect(((await res.json()) as { requestId: string }).requestId).toBe(used);
      return used;
    };
    expect(await ask('trace-1:abc.DEF_2')).toBe('trace-1:abc.DEF_2');
    expect(await ask('a'.repeat(128))).toBe('a'.repeat(128));
    for (const hostile of ['a'.repeat(8_000), 'two words', 'x"; drop', '<script>'])
      expect(await ask(hostile), hostile.slice(0, 20)).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen.length).toBe(6);
  });

  it('leaves health to another server when told to', async () => {
    const quiet = await serve({
      name: 'no-health',
      health: false,
      handler: async (_req, res) => sendJson(res, 200, {}),
    });
    try {
      const base = new URL(quiet.url).origin;
      expect((await fetch(`${base}/health/ready`)).status).toBe(404);
      expect((await fetch(`${base}/health/live`)).status).toBe(404);
      expect((await fetch(server.url.replace('/graphql', '/health/live'))).status).toBe(200);
    } finally {
      await quiet.close();
    }
  });
});
