import { DataFileError, sourceLine } from '@nhs-hub/kit/subgraph';
import { editedCopy, subgraphHarness } from '@nhs-hub/gateway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subgraph } from '../index.js';
import { TRACKER } from '../domain/kinds.js';
import { buildFinanceRows, FINANCE_DATA_DIR, seedFinance } from './index.js';

const finance = subgraphHarness(subgraph);
beforeAll(finance.start);
afterAll(finance.close);

const brokenCopy = (edit: (facts: string) => string): string =>
  editedCopy(FINANCE_DATA_DIR, { 'financial-facts.csv': edit });

describe('finance seed', () => {
  it('loads every section, fact and Annex A figure (seeding succeeded, so every citation held)', async () => {
    expect(finance.running.seedReport).toEqual({ stp_finance: 44, financial_fact: 199, region_fact: 24 });
    const rows = buildFinanceRows();
    const qjm = rows.facts.find((f) => f.stp_code === 'QJM' && f.kind === 'COMBINED_GAP');
    expect(qjm).toMatchObject({ source_line: 841, source_text: 'Combined: £182 M', amount_gbp_m: '182' });
    expect(sourceLine(TRACKER, 841)).toBe('Combined: £182 M');
    expect(sourceLine(TRACKER, 639)).toBe('Combined: £1.74 B');
    expect(rows.facts.find((f) => f.source_line === 639)?.amount_gbp_m).toBe('1740');
  });

  it('stores money as numeric and reads it back exactly', async () => {
    const row = await finance.db
      .selectFrom('stp_finance')
      .select(['combined_gbp_m', 'healthcare_gbp_m'])
      .where('stp_code', '=', 'QK1')
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ combined_gbp_m: '399.3', healthcare_gbp_m: '341.66' });
  });

  it('rejects a malformed data file naming file:line, and leaves existing rows unchanged', async () => {
    const before = await finance.db
      .selectFrom('financial_fact')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    // Line 5 of the file: a citation that is not on the cited line, and an unparsable amount on another row.
    const dir = brokenCopy((csv) =>
      csv
        .replace('Healthcare: £299 M', 'Healthcare: £298 M')
        .replace('Combined: £369 M,£369 M', 'Combined: £369 M,£369 X'),
    );
    let error: unknown;
    try {
      await seedFinance(finance.db, { dataDir: dir });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DataFileError);
    const message = (error as Error).message;
    expect(message).toMatch(/financial-facts\.csv:5 \[text\]: citation does not hold/);
    expect(message).toMatch(/financial-facts\.csv:7 \[amount_as_stated\]/);
    const after = await finance.db
      .selectFrom('financial_fact')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
    const row = await finance.db
      .selectFrom('stp_finance')
      .select('healthcare_gbp_m')
      .where('stp_code', '=', 'QVV')
      .executeTakeFirstOrThrow();
    expect(row.healthcare_gbp_m).toBe('299');
  });

  it('refuses a data file that leaves an amount of a financial block out', () => {
    const dir = brokenCopy((csv) =>
      csv
        .split('\n')
        .filter((l) => !l.endsWith(',£19 M,,,,2'))
        .join('\n'),
    );
    expect(() => buildFinanceRows({ dataDir: dir })).toThrow(
      /002_5ca6f18803646174\.txt:502 \(QT1\) states 2 amount\(s\) but the data file has 1/,
    );
  });
});
