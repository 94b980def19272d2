import { type ChildProcess, spawn } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findExecutable, freePort, SYSTEM_TOOLS } from '@nhs-hub/kit/testing';

/** Where Debian's nginx package puts the binary; PATH first, for other systems. */
export function findNginx(): string | null {
  return findExecutable(SYSTEM_TOOLS.nginx.executables);
}

/** One load-balanced service: nginx listens on `port` and spreads requests over `servers`. */
export interface Upstream {
  readonly name: string;
  readonly port: number;
  readonly servers: readonly number[];
}

export interface Nginx {
  readonly dir: string;
  readonly child: ChildProcess;
  url(upstream: string): string;
  /** Access log lines so far, parsed. */
  accessLog(): AccessLogEntry[];
  stop(): Promise<void>;
}

export interface AccessLogEntry {
  /** Date.now() scale: when nginx finished the request. */
  readonly at: number;
  readonly upstream: string;
  /** Each upstream tried, in order, with the status it gave ("502", "200", or "-" for no answer). */
  readonly attempts: { readonly port: number; readonly status: string }[];
  readonly status: number;
}

/**
 * nginx configured for the hub's replicas, all on loopback. Upstream choices, each a deployment
 * recommendation as much as a test setting:
 * - `proxy_next_upstream error timeout http_502 http_503 non_idempotent`: a request that met a
 *   dead or restarting replica goes to the other one instead of failing. GraphQL queries arrive as
 *   POST, which nginx never retries unless told `non_idempotent`; telling it is safe here because
 *   this graph is read-only: mutations are refused by the gateway (400) before any subgraph runs,
 *   and subgraphs define no Mutation type, so repeating a request can only repeat a read. The day
 *   the graph gains a mutation, `non_idempotent` must go (topology.test.ts fails until it does).
 * - `max_fails=0`: nginx never benches a replica; a dead one is tried, refuses the connection at
 *   once (microseconds on loopback or a cluster network) and the request goes to the other, and a
 *   restarted one takes its share from the moment it listens. nginx's passive check
 *   (`max_fails=1 fail_timeout=1s`, the shortest it accepts) keeps time in whole seconds: it probed
 *   a failed replica only every 2 s, which kept restarted ones out of rotation for up to 2 s after
 *   they listened (bench/results/topology-2026-11-30.md). Where a dead *host* means a connect
 *   timeout rather than a refusal, every request meeting it waits `proxy_connect_timeout` before its
 *   retry: there, take replicas out through service discovery (Kubernetes readiness) instead.
 * - `proxy_connect_timeout 1s`: on loopback (or a cluster network) a connect takes microseconds;
 *   waiting longer only delays the retry.
 * - keepalive upstream connections (HTTP/1.1, Connection cleared): no TCP handshake per request.
 *   nginx's idle timeout (60 s) is below the hub's (65 s, kit/server.ts), so nginx always closes
 *   an idle connection first and never reuses one the server is closing.
 */
export function nginxConfig(dir: string, upstreams: readonly Upstream[]): string {
  const blocks = upstreams.map(
    (u) => `
  upstream ${u.name} {
${u.servers.map((port) => `    server 127.0.0.1:${port} max_fails=0;`).join('\n')}
    keepalive 32;
    keepalive_timeout 60s;
  }
  server {
    listen 127.0.0.1:${u.port};
    access_log ${dir}/access.log topology;
    location / {
      proxy_pass http://${u.name};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_connect_timeout 1s;
      proxy_read_timeout 30s;
      proxy_next_upstream error timeout http_502 http_503 non_idempotent;
      proxy_next_upstream_tries 3;
      proxy_next_upstream_timeout 10s;
    }
  }`,
  );
  return `# Written by packages/topology/src/nginx.ts for one run; loopback only.
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  # Bodies and answers stay in memory: no temp files in a directory the worker user may not own.
  client_body_buffer_size 1m;
  proxy_buffer_size 64k;
  proxy_buffers 16 64k;
  proxy_max_temp_file_size 0;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  log_format topology '$msec $server_port "$upstream_addr" "$upstream_status" $status';
${blocks.join('\n')}
}
`;
}

/** Starts nginx in the foreground (its own prefix, config, pid and logs in a temp dir) and waits until it listens. */
export async function startNginx(binary: string, upstreams: readonly Upstream[]): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'hub-nginx-'));
  // Run as root, nginx's workers drop to an unprivileged user who must reach the temp dir.
  chmodSync(dir, 0o755);
  mkdirSync(`${dir}/logs`);
  writeFileSync(`${dir}/nginx.conf`, nginxConfig(dir, upstreams));
  writeFileSync(`${dir}/access.log`, '');
  const child = spawn(binary, ['-p', dir, '-c', `${dir}/nginx.conf`, '-e', `${dir}/error.log`, '-g', 'daemon off;'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const byPort = new Map(upstreams.map((u) => [u.port, u.name]));
  for (const upstream of upstreams) {
    const deadline = Date.now() + 10_000;
    while (!(await listening(upstream.port))) {
      if (child.exitCode !== null || Date.now() > deadline) {
        const log = existsSync(`${dir}/error.log`) ? readFileSync(`${dir}/error.log`, 'utf8') : '';
        // Nobody gets a handle to stop it: stop it here rather than leave it running.
        child.kill('SIGKILL');
        throw new Error(`nginx did not start: ${out} ${log}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return {
    dir,
    child,
    url: (name) => {
      const upstream = upstreams.find((u) => u.name === name);
      if (!upstream) throw new Error(`no upstream ${name}`);
      return `http://127.0.0.1:${upstream.port}/graphql`;
    },
    accessLog: accessLogReader(`${dir}/access.log`, byPort),
    async stop() {
      if (child.exitCode === null) child.kill('SIGQUIT'); // graceful: finish what is in flight
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The access log so far, reading only what nginx appended since the last call: a run polls it every
 * 50 ms while hundreds of thousands of lines accumulate, and re-reading it all would take CPU from
 * the replicas whose restart is being timed.
 */
function accessLogReader(path: string, byPort: ReadonlyMap<number, string>): () => AccessLogEntry[] {
  const entries: AccessLogEntry[] = [];
  let offset = 0;
  let partial = '';
  return () => {
    const fd = openSync(path, 'r');
    try {
      const size = fstatSync(fd).size;
      if (size > offset) {
        const chunk = Buffer.alloc(size - offset);
        const read = readSync(fd, chunk, 0, chunk.length, offset);
        offset += read;
        const text = partial + chunk.subarray(0, read).toString('utf8');
        const end = text.lastIndexOf('\n') + 1;
        partial = text.slice(end);
        for (const entry of parseAccessLog(text.slice(0, end), byPort)) entries.push(entry);
      }
    } finally {
      closeSync(fd);
    }
    return entries;
  };
}

export function parseAccessLog(text: string, byPort: ReadonlyMap<number, string>): AccessLogEntry[] {
  const entries: AccessLogEntry[] = [];
  for (const line of text.split('\n')) {
    const match = /^(\d+\.\d+) (\d+) "([^"]*)" "([^"]*)" (\d+)$/.exec(line.trim());
    if (!match) continue;
    const [, msec, serverPort, addrs, statuses, status] = match as unknown as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    // nginx separates retries with ", " (and a change of upstream group with " : ").
    const ports = addrs.split(/, | : /).map((a) => Number(a.split(':').at(-1)));
    const codes = statuses.split(/, | : /);
    entries.push({
      at: Math.round(Number(msec) * 1000),
      upstream: byPort.get(Number(serverPort)) ?? serverPort,
      attempts: ports.map((port, i) => ({ port, status: codes[i] ?? '-' })),
      status: Number(status),
    });
  }
  return entries;
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Ports for an upstream and its servers. */
export async function upstreamFor(name: string, replicas: number): Promise<Upstream> {
  const port = await freePort();
  const servers: number[] = [];
  for (let i = 0; i < replicas; i++) servers.push(await freePort());
  return { name, port, servers };
}
