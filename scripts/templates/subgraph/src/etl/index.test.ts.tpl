import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataFileError, type RunningSubgraph } from '@nhs-hub/kit/subgraph';
import { createTestHub, type TestHub } from '@nhs-hub/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { __Name__Database } from '../db/types.js';
import { subgraph } from '../index.js';
import { seed__Name__ } from './index.js';
import { DATA_FILES, __NAME___DATA_DIR } from './files.js';

let hub: TestHub;
let running: RunningSubgraph<__Name__Database>;
const DATA_FILE = `${__NAME___DATA_DIR}${DATA_FILES.facts}`;
const rowsInFile = readFileSync(DATA_FILE, 'utf8').trim().split('\n').length - 1;
const count = async () =>
  Number(
    (
      await running.db
        .selectFrom('__name___fact')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

beforeAll(async () => {
  hub = await createTestHub();
  running = await hub.start(subgraph);
});
afterAll(() => hub.close());

describe('__name__ seed', () => {
  it('loads every row of the data file (so every citation held)', async () => {
    expect(running.seedReport).toEqual({ __name___fact: rowsInFile });
    expect(await count()).toBe(rowsInFile);
  });

  it('rejects a bad row with file:line [column] and loads nothing', async () => {
    const dir = `${mkdtempSync(join(tmpdir(), '__name__-data-'))}/`;
    const [header, first] = readFileSync(DATA_FILE, 'utf8').split('\n');
    writeFileSync(
      `${dir}${DATA_FILES.facts}`,
      `${header}\n${first?.replace(/^[^,]+,/, '__name__.new.1,').replace(',QJM,', ',Q,')}\n`,
    );
    await expect(seed__Name__(running.db, { dataDir: dir })).rejects.toThrow(DataFileError);
    await expect(seed__Name__(running.db, { dataDir: dir })).rejects.toThrow(
      /__name__-facts\.csv:2 \[stp_code\]: an STP ODS code such as QJM/,
    );
    expect(await count()).toBe(rowsInFile);
  });
});
