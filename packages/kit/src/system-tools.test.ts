import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  findExecutable,
  needService,
  needSystemTool,
  REQUIRE_SYSTEM_TOOLS_ENV,
  SYSTEM_TOOLS,
  type SystemTool,
} from './system-tools.js';

/** Every tool the tests use, with the machine's tools hidden: PATH names an empty folder only. */
const empty = mkdtempSync(join(tmpdir(), 'hub-no-tools-'));
afterAll(() => rmSync(empty, { recursive: true, force: true }));
const hidden = { PATH: empty };
// Absolute candidates (Debian's nginx in sbin) would find the real tool: moved under the empty folder.
const hide = (tool: SystemTool): SystemTool => ({
  ...tool,
  executables: (tool.executables ?? []).map((e) => (e.startsWith('/') ? join(empty, e) : e)),
});
const tools = Object.values(SYSTEM_TOOLS).filter((t) => 'executables' in t);

describe('a test that needs a system tool', () => {
  it.each(tools)('skips without $name, printing one line that names it and its install command', (tool) => {
    const lines: string[] = [];
    const check = needSystemTool(hide(tool), { env: hidden, print: (l) => lines.push(l) });
    expect(check).toEqual({ path: null, skip: lines[0] });
    expect(lines).toEqual([`skipped: needs ${tool.name}, not found on this machine; install it with: ${tool.install}`]);
  });

  it.each(tools)('fails without $name when HUB_REQUIRE_SYSTEM_TOOLS=1, naming it and its install command', (tool) => {
    const lines: string[] = [];
    expect(() =>
      needSystemTool(hide(tool), { env: { ...hidden, [REQUIRE_SYSTEM_TOOLS_ENV]: '1' }, print: (l) => lines.push(l) }),
    ).toThrow(
      `${tool.name} is required (HUB_REQUIRE_SYSTEM_TOOLS=1) but not found on this machine; install it with: ${tool.install}`,
    );
    expect(lines).toEqual([]);
  });

  it('finds a tool on PATH, and needs its companions too', () => {
    const bin = mkdtempSync(join(tmpdir(), 'hub-tools-'));
    try {
      symlinkSync(process.execPath, join(bin, 'redis-server'));
      const env = { PATH: bin };
      expect(findExecutable(['redis-server'], env)).toBe(join(bin, 'redis-server'));
      // redis-cli missing: the tool is not usable.
      expect(needSystemTool(SYSTEM_TOOLS.redisServer, { env, print: () => undefined }).skip).toMatch(/redis-server/);
      symlinkSync(process.execPath, join(bin, 'redis-cli'));
      expect(needSystemTool(SYSTEM_TOOLS.redisServer, { env })).toEqual({
        path: join(bin, 'redis-server'),
        skip: null,
      });
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });

  it('refuses a switch that is neither on nor off', () => {
    expect(() => needSystemTool(SYSTEM_TOOLS.kubectl, { env: { [REQUIRE_SYSTEM_TOOLS_ENV]: 'yes' } })).toThrow(
      "HUB_REQUIRE_SYSTEM_TOOLS must be 1 or 0, not 'yes'",
    );
  });

  it('skips without a server on its port, and fails with the switch on', async () => {
    // A port nothing listens on: taken, then released.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    const lines: string[] = [];
    const tool = SYSTEM_TOOLS.redisService;
    expect(await needService(tool, { host: '127.0.0.1', port }, { env: {}, print: (l) => lines.push(l) })).toEqual({
      path: null,
      skip: lines[0],
    });
    expect(lines).toEqual([`skipped: needs ${tool.name}, not found on this machine; install it with: ${tool.install}`]);
    await expect(
      needService(tool, { host: '127.0.0.1', port }, { env: { [REQUIRE_SYSTEM_TOOLS_ENV]: '1' } }),
    ).rejects.toThrow(`${tool.name} is required`);
  });

  it('prints its line from a process of its own once, on stderr, and exits non-zero with the switch on', () => {
    const kit = join(dirname(fileURLToPath(import.meta.url)), 'system-tools.ts');
    const script = `import('${kit}').then(({ needSystemTool, SYSTEM_TOOLS }) => { needSystemTool(SYSTEM_TOOLS.kubectl); needSystemTool(SYSTEM_TOOLS.kubectl); })`;
    // PATH names the empty folder: no kubectl there.
    const env = { PATH: empty, HOME: empty, NODE_OPTIONS: '' };
    const run = (extra: Record<string, string>) =>
      spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
        env: { ...env, ...extra },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        cwd: dirname(kit),
      });
    const skipped = run({});
    expect(skipped.status).toBe(0);
    expect(skipped.stderr).toBe(
      `skipped: needs kubectl, not found on this machine; install it with: ${SYSTEM_TOOLS.kubectl.install}\n`,
    );
    const failed = run({ [REQUIRE_SYSTEM_TOOLS_ENV]: '1' });
    expect(failed.status).not.toBe(0);
    expect(failed.stderr).toContain('kubectl is required (HUB_REQUIRE_SYSTEM_TOOLS=1)');
  });
});
