import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataFileError, type RunningSubgraph } from '@nhs-hub/kit/subgraph';
import { createTestHub, type TestHub } from '@nhs-hub/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkforceDatabase } from '../db/types.js';
import { subgraph } from '../index.js';
import { seedWorkforce } from './index.js';
import { DATA_FILES, WORKFORCE_DATA_DIR } from './files.js';

let hub: TestHub;
let running: RunningSubgraph<WorkforceDatabase>;
const DATA_FILE = `${WORKFORCE_DATA_DIR}${DATA_FILES.facts}`;
const rowsInFile = readFileSync(DATA_FILE, 'utf8').trim().split('\n').length - 1;
const count = async () =>
  Number(
    (
      await running.db
        .selectFrom('workforce_fact')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

beforeAll(async () => {
  hub = await createTestHub();
  running = await hub.start(subgraph);
});
afterAll(() => hub.close());

describe('workforce seed', () => {
  it('loads every row of the data file (so every citation held)', async () => {
    expect(running.seedReport).toEqual({ workforce_fact: rowsInFile });
    expect(await count()).toBe(rowsInFile);
  });

  it('rejects a bad row with file:line [column] and loads nothing', async () => {
    const dir = `${mkdtempSync(join(tmpdir(), 'workforce-data-'))}/`;
    const [header, first] = readFileSync(DATA_FILE, 'utf8').split('\n');
    writeFileSync(
      `${dir}${DATA_FILES.facts}`,
      `${header}\n${first?.replace(/^[^,]+,/, 'workforce.new.1,').replace(',QJM,', ',Q,')}\n`,
    );
    await expect(seedWorkforce(running.db, { dataDir: dir })).rejects.toThrow(DataFileError);
    await expect(seedWorkforce(running.db, { dataDir: dir })).rejects.toThrow(
      /workforce-facts\.csv:2 \[stp_code\]: an STP ODS code such as QJM/,
    );
    expect(await count()).toBe(rowsInFile);
  });
});
