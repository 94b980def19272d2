import { readFileSync } from 'node:fs';
import { DataFileError } from '@nhs-hub/kit/subgraph';
import { editedCopy, subgraphHarness } from '@nhs-hub/gateway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subgraph } from '../index.js';
import { seed__Name__ } from './index.js';
import { DATA_FILES, __NAME___DATA_DIR } from './files.js';

const seeded = subgraphHarness(subgraph);
beforeAll(seeded.start);
afterAll(seeded.close);

const DATA_FILE = `${__NAME___DATA_DIR}${DATA_FILES.facts}`;
const rowsInFile = readFileSync(DATA_FILE, 'utf8').trim().split('\n').length - 1;
const count = async () =>
  Number(
    (
      await seeded.db
        .selectFrom('__name___fact')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

describe('__name__ seed', () => {
  it('loads every row of the data file (so every citation held)', async () => {
    expect(seeded.running.seedReport).toEqual({ __name___fact: rowsInFile });
    expect(await count()).toBe(rowsInFile);
  });

  it('rejects a bad row with file:line [column] and loads nothing', async () => {
    const dir = editedCopy(__NAME___DATA_DIR, {
      [DATA_FILES.facts]: (csv) => {
        const [header, first] = csv.split('\n');
        return `${header}\n${first?.replace(/^[^,]+,/, '__name__.new.1,').replace(',QJM,', ',Q,')}\n`;
      },
    });
    await expect(seed__Name__(seeded.db, { dataDir: dir })).rejects.toThrow(DataFileError);
    await expect(seed__Name__(seeded.db, { dataDir: dir })).rejects.toThrow(
      /__name__-facts\.csv:2 \[stp_code\]: an STP ODS code such as QJM/,
    );
    expect(await count()).toBe(rowsInFile);
  });
});
