import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataFileError, type RunningSubgraph } from '@nhs-hub/kit';
import { createTestHub, type TestHub } from '@nhs-hub/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subgraph } from '../index.js';
import { DATA_FILE, seedWorkforce } from './seed.js';
import type { WorkforceDatabase } from './types.js';

let hub: TestHub;
let running: RunningSubgraph<WorkforceDatabase>;
const rowsInFile = readFileSync(DATA_FILE, 'utf8').trim().split('\n').length - 1;

beforeAll(async () => {
  hub = await createTestHub();
  running = await hub.start(subgraph);
});
afterAll(() => hub.close());

describe('workforce seed', () => {
  it('loads every row of the data file (so every citation held)', async () => {
    expect(running.seedReport).toEqual({ workforce_fact: rowsInFile });
    const count = await running.db
      .selectFrom('workforce_fact')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(rowsInFile);
  });

  it('rejects a bad row with file:line [column] and loads nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'workforce-data-'));
    const broken = join(dir, 'workforce-facts.csv');
    const [header, first] = readFileSync(DATA_FILE, 'utf8').split('\n');
    writeFileSync(broken, `${header}\n${first?.replace(/^[^,]+,/, 'workforce.new.1,').replace(',QJM,', ',Q,')}\n`);
    await expect(seedWorkforce(running.db, broken)).rejects.toThrow(DataFileError);
    await expect(seedWorkforce(running.db, broken)).rejects.toThrow(
      /workforce-facts\.csv:2 \[stp_code\]: an STP ODS code such as QJM/,
    );
    const count = await running.db
      .selectFrom('workforce_fact')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(rowsInFile);
  });
});
