import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Issue 22: the gateway is one file per concern under plugins/, each short enough to read whole,
 * with its test beside it; what a plugin computes without touching a request (keys, tables,
 * arithmetic) sits in plugins/<plugin>/, each module with its own test; gateway.ts only lists them.
 */
const PLUGINS = new URL('.', import.meta.url).pathname;
const SRC = new URL('..', import.meta.url).pathname;
/** The most lines a plugin's file may have: what a reader takes in at once. */
const PLUGIN_LINES = 130;
/** The most lines startGateway's body may have: the list of plugins and the runtime they run in. */
const COMPOSITION_LINES = 120;

const isTest = (file: string) => file.endsWith('.test.ts');
const lines = (path: string) => readFileSync(path, 'utf8').split('\n').length;
const plugins = readdirSync(PLUGINS).filter((f) => f.endsWith('.ts') && !isTest(f));
const folders = readdirSync(PLUGINS).filter((f) => statSync(join(PLUGINS, f)).isDirectory());

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('the plugins', () => {
  it('are each at most 130 lines', () => {
    expect(plugins.length).toBeGreaterThan(20);
    const long = plugins.filter((f) => lines(join(PLUGINS, f)) > PLUGIN_LINES);
    expect(long.map((f) => `${f}: ${lines(join(PLUGINS, f))} lines`)).toEqual([]);
  });

  it('each have a test beside them (<plugin>.test.ts, or <plugin>.<what>.test.ts)', () => {
    const files = readdirSync(PLUGINS);
    const untested = plugins.filter((f) => {
      const name = f.replace(/\.ts$/, '');
      return !files.some((t) => t === `${name}.test.ts` || (t.startsWith(`${name}.`) && isTest(t)));
    });
    expect(untested).toEqual([]);
  });

  it('keep their helpers in a folder named for the plugin, each module with its test beside it', () => {
    expect(folders.filter((folder) => !plugins.includes(`${folder}.ts`))).toEqual([]);
    const helpers = folders.flatMap((folder) =>
      readdirSync(join(PLUGINS, folder))
        .filter((f) => f.endsWith('.ts') && !isTest(f))
        .map((f) => join(folder, f)),
    );
    expect(helpers.length).toBeGreaterThan(0);
    expect(helpers.filter((f) => !existsSync(join(PLUGINS, f.replace(/\.ts$/, '.test.ts'))))).toEqual([]);
  });
});

describe('the gateway', () => {
  it('composes the plugins in startGateway in at most 120 lines', () => {
    const source = readFileSync(join(SRC, 'gateway.ts'), 'utf8').split('\n');
    const start = source.findIndex((line) => line.startsWith('export async function startGateway('));
    const end = source.findIndex((line, i) => i > start && line === '}');
    expect(start).toBeGreaterThan(-1);
    expect(end - start - 1).toBeLessThanOrEqual(COMPOSITION_LINES);
  });

  it('forces no type with `as unknown as` anywhere in its source', () => {
    const cast = ['as', 'unknown', 'as'].join(' ');
    const casting = filesUnder(SRC)
      .filter((f) => f.endsWith('.ts') && !isTest(f))
      .filter((f) => readFileSync(f, 'utf8').includes(cast))
      .map((f) => relative(SRC, f));
    expect(casting).toEqual([]);
  });
});
