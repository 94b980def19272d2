import { accessSync, constants } from 'node:fs';
import { Socket } from 'node:net';
import { delimiter, join } from 'node:path';
import { z } from 'zod';

/**
 * Tests that need something `npm install` cannot bring (a browser, nginx, kubectl, a database
 * server) skip on a machine without it, saying in one line what is missing and how to install it;
 * CI sets HUB_REQUIRE_SYSTEM_TOOLS=1 so that the same absence fails instead, and every such test
 * is proved to run there.
 */
export interface SystemTool {
  /** What the skip line calls it, e.g. `chromium` or `a PostgreSQL server at 127.0.0.1:5432`. */
  readonly name: string;
  /** The command that installs (or starts) it on Debian, as .ci/run does. */
  readonly install: string;
  /** Where to look for it, first found wins: names on PATH, absolute paths (Debian puts some in sbin, off a user's PATH). */
  readonly executables?: readonly string[];
  /** Executables that come with it and are needed too (redis-cli with redis-server). */
  readonly alsoNeeds?: readonly string[];
}

const APT = 'apt-get update && apt-get install -y';

/** The system tools the project's tests use, each with how .ci/run installs it. */
export const SYSTEM_TOOLS = {
  chromium: { name: 'chromium', install: `${APT} chromium`, executables: ['chromium', '/usr/bin/chromium'] },
  nginx: {
    name: 'nginx',
    install: `${APT} nginx`,
    executables: ['nginx', '/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx'],
  },
  kubectl: {
    name: 'kubectl',
    // Debian's kubernetes-client is 1.20, whose kustomize predates the overlays' syntax.
    install:
      'curl -fsSLo /usr/local/bin/kubectl "https://dl.k8s.io/release/$(curl -fsSL https://dl.k8s.io/release/stable.txt)/bin/linux/amd64/kubectl" && chmod +x /usr/local/bin/kubectl',
    executables: ['kubectl'],
  },
  redisServer: {
    name: 'redis-server',
    install: `${APT} redis-server`,
    executables: ['redis-server'],
    alsoNeeds: ['redis-cli'],
  },
  psql: { name: 'psql', install: `${APT} postgresql-client`, executables: ['psql'] },
  varnish: { name: 'varnishd', install: `${APT} varnish`, executables: ['varnishd', '/usr/sbin/varnishd'] },
  pgbouncer: { name: 'pgbouncer', install: `${APT} pgbouncer`, executables: ['pgbouncer', '/usr/sbin/pgbouncer'] },
  postgresServer: {
    name: 'a PostgreSQL server at 127.0.0.1:5432',
    install: `${APT} postgresql && pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start`,
  },
  redisService: {
    name: 'a Redis server at 127.0.0.1:6379',
    install: `${APT} redis-server && redis-server --daemonize yes --bind 127.0.0.1 --port 6379`,
  },
} as const satisfies Record<string, SystemTool>;

export const REQUIRE_SYSTEM_TOOLS_ENV = 'HUB_REQUIRE_SYSTEM_TOOLS';
const RequireSwitch = z.enum(['0', '1', 'true', 'false', '']).optional();

type Env = Readonly<Record<string, string | undefined>>;
// biome-ignore lint/style/noProcessEnv: the default for callers; tests pass their own environment
const processEnv = (): Env => process.env;

/** Whether a missing tool fails the run (CI) instead of skipping (a developer's machine). */
export function systemToolsRequired(env: Env = processEnv()): boolean {
  const value = RequireSwitch.safeParse(env[REQUIRE_SYSTEM_TOOLS_ENV]);
  if (!value.success)
    throw new Error(`${REQUIRE_SYSTEM_TOOLS_ENV} must be 1 or 0, not '${env[REQUIRE_SYSTEM_TOOLS_ENV]}'`);
  return value.data === '1' || value.data === 'true';
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first of the tool's executables found (on PATH when bare, as is when absolute), or null. */
export function findExecutable(names: readonly string[], env: Env = processEnv()): string | null {
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const name of names) {
    const found = name.includes('/') ? [name] : dirs.map((dir) => join(dir, name));
    const hit = found.find(executable);
    if (hit) return hit;
  }
  return null;
}

export type ToolCheck = { readonly path: string; readonly skip: null } | { readonly path: null; readonly skip: string };

const printed = new Set<string>();

/**
 * The verdict for a tool found or not: null when it is there; when it is not, the one skip line
 * (printed once per process), or, with HUB_REQUIRE_SYSTEM_TOOLS=1, an Error with the same words.
 */
export function missingTool(tool: SystemTool, options: { env?: Env; print?: (line: string) => void } = {}): string {
  const line = `skipped: needs ${tool.name}, not found on this machine; install it with: ${tool.install}`;
  if (systemToolsRequired(options.env)) {
    throw new Error(
      `${tool.name} is required (${REQUIRE_SYSTEM_TOOLS_ENV}=1) but not found on this machine; install it with: ${tool.install}`,
    );
  }
  const print = options.print ?? ((l: string) => process.stderr.write(`${l}\n`));
  if (options.print || !printed.has(line)) print(line);
  printed.add(line);
  return line;
}

/** Looks for an executable tool; `skip` is the printed line when it is missing (see missingTool). */
export function needSystemTool(
  tool: SystemTool,
  options: { env?: Env; print?: (line: string) => void } = {},
): ToolCheck {
  const path = findExecutable(tool.executables ?? [], options.env);
  const companions = (tool.alsoNeeds ?? []).every((name) => findExecutable([name], options.env) !== null);
  if (path && companions) return { path, skip: null };
  return { path: null, skip: missingTool(tool, options) };
}

/** Whether something listens on host:port (a database or cache server the tests use as is). */
export function listening(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host, () => done(true));
  });
}

/** A server a test needs, probed on its port; `skip` as for needSystemTool. */
export async function needService(
  tool: SystemTool,
  address: { host: string; port: number },
  options: { env?: Env; print?: (line: string) => void } = {},
): Promise<ToolCheck> {
  if (await listening(address.host, address.port)) return { path: `${address.host}:${address.port}`, skip: null };
  return { path: null, skip: missingTool(tool, options) };
}
