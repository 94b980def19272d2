import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { migrationsIn } from './migration-files.js';

const folder = (files: Record<string, string>): URL => {
  const dir = mkdtempSync(join(tmpdir(), 'migrations-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return pathToFileURL(`${dir}/`);
};
const MIGRATION = 'export async function up() {}\nexport async function down() {}\n';

describe('migrationsIn', () => {
  it('finds every dated migration file, in name order, leaving out the index and compiler output', async () => {
    const migrations = migrationsIn(
      folder({
        '2026_11_30_001_second.js': MIGRATION,
        '2026_11_22_001_first.js': MIGRATION,
        'index.js': 'export {};\n',
        '2026_11_22_001_first.js.map': '{}',
        '2026_11_22_001_first.d.ts': 'export {};\n',
      }),
    );
    expect(Object.keys(migrations)).toEqual(['2026_11_22_001_first', '2026_11_30_001_second']);
    expect(migrations['2026_11_22_001_first']?.up).toBeTypeOf('function');
    expect(migrations['2026_11_22_001_first']?.down).toBeTypeOf('function');
  });

  it('refuses a file it would otherwise skip: a misnamed migration, or one without up() when it runs', async () => {
    expect(() => migrationsIn(folder({ 'add_column.js': MIGRATION }))).toThrow(/is not named like/);
    const noUp = migrationsIn(folder({ '2026_11_22_001_x.js': 'export const y = 1;\n' }));
    await expect(noUp['2026_11_22_001_x']?.up({} as never)).rejects.toThrow(
      /migration 2026_11_22_001_x.js exports no up\(\)/,
    );
    await expect(noUp['2026_11_22_001_x']?.down?.({} as never)).rejects.toThrow(/exports no down\(\)/);
  });

  it('imports a migration file only when that migration runs, once', async () => {
    const dir = folder({
      '2026_11_22_001_counted.js':
        'globalThis.migrationLoads = (globalThis.migrationLoads ?? 0) + 1;\nexport async function up(db) { db.ran.push("up"); }\n',
    });
    const loads = () => (globalThis as { migrationLoads?: number }).migrationLoads ?? 0;
    const migrations = migrationsIn(dir);
    expect(loads()).toBe(0);
    const db = { ran: [] as string[] };
    await migrations['2026_11_22_001_counted']?.up(db as never);
    await migrations['2026_11_22_001_counted']?.up(db as never);
    expect(db.ran).toEqual(['up', 'up']);
    expect(loads()).toBe(1);
  });
});
