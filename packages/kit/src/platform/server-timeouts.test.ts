import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, SOCKET_TIMEOUTS, sendJson, serve } from './server.js';

/**
 * Slow sockets on loopback (issue 23: 300 slow-header and 300 slow-body sockets were still open
 * after 92 s). Short limits here so the test waits little; production's are SOCKET_TIMEOUTS.
 */
const LIMITS = { headersMs: 400, requestMs: 800, keepAliveMs: 400 };
let server: RunningServer;
beforeAll(async () => {
  server = await serve({
    name: 'slow-sockets',
    timeouts: LIMITS,
    handler: async (_req, res) => sendJson(res, 200, { data: { ok: true } }),
  });
});
afterAll(async () => server?.close());

/** Opens a socket and resolves when the server closes it, with what it answered; `drip` sends bytes while it is open. */
function closedBy(drip: (socket: Socket) => void): Promise<{ answer: string; openMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(server.port, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk) => {
      answer += chunk.toString('utf8');
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve({ answer, openMs: Date.now() - started }));
    socket.on('connect', () => drip(socket));
    // A socket the server never closes fails the test rather than hanging it.
    setTimeout(() => {
      socket.destroy();
      reject(new Error('the server left the socket open for 15 s'));
    }, 15_000).unref();
  });
}

/** Writes one byte every 100 ms until the socket closes. */
const trickle = (socket: Socket, text: string) => {
  let i = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || i >= text.length) return clearInterval(timer);
    socket.write(text[i++] ?? '');
  }, 100);
};

describe('the HTTP shell closes slow and idle sockets', () => {
  it('has production limits of seconds, not minutes', () => {
    expect(SOCKET_TIMEOUTS.headersMs).toBeLessThanOrEqual(10_000);
    expect(SOCKET_TIMEOUTS.requestMs).toBeLessThanOrEqual(30_000);
  });

  it('closes a socket that sends its headers a byte at a time', async () => {
    const { answer } = await closedBy((socket) =>
      trickle(socket, `POST /graphql HTTP/1.1\r\nHost: x\r\n${'X-Slow: y\r\n'.repeat(100)}\r\n`),
    );
    expect(answer === '' || answer.startsWith('HTTP/1.1 408')).toBe(true);
  });

  it('closes a socket that sends its body a byte at a time', async () => {
    const { answer } = await closedBy((socket) => {
      socket.write(
        'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n',
      );
      trickle(socket, 'x'.repeat(1000));
    });
    expect(answer === '' || answer.startsWith('HTTP/1.1 408')).toBe(true);
  });

  it('answers, then closes an idle keep-alive socket', async () => {
    const { answer } = await closedBy((socket) =>
      socket.write('GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n'),
    );
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
  });
});
