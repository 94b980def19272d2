import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataFileError, type RunningSubgraph } from '@nhs-hub/kit';
import { createTestHub, type TestHub } from '@nhs-hub/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subgraph } from '../index.js';
import { DATA_FILE, seed__Name__ } from './seed.js';
import type { __Name__Database } from './types.js';

let hub: TestHub;
let running: RunningSubgraph<__Name__Database>;
const rowsInFile = readFileSync(DATA_FILE, 'utf8').trim().split('\n').length - 1;

beforeAll(async () => {
  hub = await createTestHub();
  running = await hub.start(subgraph);
});
afterAll(() => hub.close());

describe('__name__ seed', () => {
  it('loads every row of the data file (so every citation held)', async () => {
    expect(running.seedReport).toEqual({ __name___fact: rowsInFile });
    const count = await running.db.selectFrom('__name___fact').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(rowsInFile);
  });

  it('rejects a bad row with file:line [column] and loads nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), '__name__-data-'));
    const broken = join(dir, '__name__-facts.csv');
    const [header, first] = readFileSync(DATA_FILE, 'utf8').split('\n');
    writeFileSync(broken, `${header}\n${first?.replace(/^[^,]+,/, '__name__.new.1,').replace(',QJM,', ',Q,')}\n`);
    await expect(seed__Name__(running.db, broken)).rejects.toThrow(DataFileError);
    await expect(seed__Name__(running.db, broken)).rejects.toThrow(/__name__-facts\.csv:2 \[stp_code\]: an STP ODS code such as QJM/);
    const count = await running.db.selectFrom('__name___fact').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(rowsInFile);
  });
});
