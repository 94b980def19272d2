import {
  DataFileError,
  displayPath,
  formatChange,
  loadFile,
  releaseChanges,
  revertRelease,
} from '@nhs-hub/kit/subgraph';
import { subgraphHarness } from '@nhs-hub/gateway/testing';
import { loadFiles } from '@nhs-hub/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { up as createTables } from '../db/migrations/2026_11_23_001_finance.js';
import { up as keyFacts } from '../db/migrations/2026_12_07_001_financial_fact_key.js';
import { subgraph } from '../index.js';
import { financialFactLoadable } from './fact-loadable.js';
import { DATA_FILES, dataPath, FINANCE_DATA_DIR } from './files.js';

const finance = subgraphHarness(subgraph);
const files = loadFiles('finance-facts-');
beforeAll(finance.start);
afterAll(async () => {
  await finance.close();
  files.remove();
});

const HEADER = 'stp_code,kind,document,line,text,amount_as_stated,part,flag,flag_explanation,figure_number';
const TRACKER = 'seeds/002_5ca6f18803646174.txt';
/** Leicester, Leicestershire and Rutland's gap line: three amounts, each its own fact. */
const LLR_LINE = 'Healthcare: £341.66 M + Social care: £57.7 M = Combined: £399.3 M';
const llrCombined = (amountAsStated: string) => `QK1,COMBINED_GAP,${TRACKER},874,${LLR_LINE},${amountAsStated},,,,`;

/** A file in financial-facts.csv's format holding the given rows. */
function factsFile(name: string, ...rows: string[]): string {
  return files.csv(name, HEADER, ...rows);
}
// The combined gap misread from its line (the healthcare gap's amount taken for it), and then the
// correction: the line's own combined gap, as data/financial-facts.csv reads it. Every figure is the tracker's.
const misread = factsFile('misread.csv', llrCombined('£341.66 M'));
const corrected = factsFile('corrected.csv', llrCombined('£399.3 M'));

interface Gap {
  financialGap: {
    combinedGbpM: string;
    flags: { code: string }[];
    history: {
      release: number;
      kind: string;
      value: string | null;
      source: { file: string; line: number; document: string | null; documentLine: number | null } | null;
    }[];
  };
}
const llr = async () =>
  (
    await finance.entities<Gap>(
      'Stp',
      [{ code: 'QK1' }],
      'financialGap { combinedGbpM flags { code } history(figure: COMBINED_GAP) { release kind value source { file line document documentLine } } }',
    )
  )[0]?.financialGap;

const heldCombined = async () =>
  (
    await finance.db
      .selectFrom('financial_fact')
      .select(['amount_gbp_m', 'amount_as_stated'])
      .where('stp_code', '=', 'QK1')
      .where('kind', '=', 'COMBINED_GAP')
      .executeTakeFirstOrThrow()
  ).amount_gbp_m;

describe('loading financial facts (financial_fact), the STPs’ gaps derived in the same release', () => {
  it('loads data/financial-facts.csv itself as no change: the derivation from the table is the seed’s', async () => {
    const summary = await loadFile(finance.db, financialFactLoadable, dataPath(FINANCE_DATA_DIR, DATA_FILES.facts));
    expect(summary).toMatchObject({ rows: 199, inserted: 0, updated: 0, deleted: 0, derived: 0, release: null });
    // The seed knew its facts by the same key (the loadable's), so a fact's history runs on across loads.
    const seeded = (await releaseChanges(finance.db, 1)).find((c) => c.table === 'financial_fact');
    expect(Object.keys(seeded?.key ?? {}).sort()).toEqual(['figure_number', 'kind', 'stp_code']);
  });

  it('a dry run shows the fact and the combined gap derived from it, old → new, and writes nothing', async () => {
    const summary = await loadFile(finance.db, financialFactLoadable, misread, { dryRun: true });
    expect(summary).toMatchObject({ rows: 1, inserted: 0, updated: 2, derived: 1, release: null, dryRun: true });
    const shown = summary.preview.map(formatChange);
    expect(shown[0]).toBe(
      '~ financial_fact stp_code=QK1, kind=COMBINED_GAP, figure_number=1: amount_gbp_m 399.3 → 341.66, amount_as_stated £399.3 M → £341.66 M',
    );
    expect(shown[1]).toMatch(/^~ stp_finance stp_code=QK1: combined_gbp_m 399\.3 → 341\.66, flags /);
    expect(shown[1]).toContain('"code":"SUM_MISMATCH"');
    expect(await heldCombined()).toBe('399.3');
    expect((await llr())?.combinedGbpM).toBe('399.3');
  });

  it('a load changes the fact and the derived gap in one release, recomputing its checks and flags', async () => {
    const summary = await loadFile(finance.db, financialFactLoadable, misread, { actor: 'test' });
    expect(summary).toMatchObject({ updated: 2, derived: 1 });
    const release = summary.release ?? 0;
    expect(release).toBeGreaterThan(1);
    const gap = await llr();
    expect(gap?.combinedGbpM).toBe('341.66');
    // 341.66 + 57.7 is 399.36, no rounding of "£341.66 M" away from it
    expect(gap?.flags.map((f) => f.code)).toEqual(['SUM_MISMATCH']);
    const changes = await releaseChanges(finance.db, release);
    expect(changes.map((c) => [c.table, c.op, c.key, c.source])).toEqual([
      [
        'financial_fact',
        'update',
        { stp_code: 'QK1', kind: 'COMBINED_GAP', figure_number: 1 },
        { file: displayPath(misread), line: 2, document: TRACKER, documentLine: 874 },
      ],
      [
        'stp_finance',
        'update',
        { stp_code: 'QK1' },
        { file: displayPath(misread), line: 2, document: TRACKER, documentLine: 874 },
      ],
    ]);
    expect(changes[1]?.after).toMatchObject({ combined_gbp_m: '341.66' });
  });

  it('loading the corrected figure restores the gap; history gives each value with its release and line', async () => {
    const summary = await loadFile(finance.db, financialFactLoadable, corrected, { actor: 'test' });
    expect(summary).toMatchObject({ updated: 2, derived: 1 });
    const gap = await llr();
    expect(gap?.combinedGbpM).toBe('399.3');
    expect(gap?.flags.map((f) => f.code)).toEqual(['ROUNDING_DIFFERENCE']);
    const loaded = (file: string) => ({ file: displayPath(file), line: 2, document: TRACKER, documentLine: 874 });
    // the seed read the whole data folder (line 0); the derived gap row cites no one line itself
    const seeded = { file: 'services/finance/data/', line: 0, document: null, documentLine: null };
    expect(gap?.history.map(({ release, kind, value, source }) => ({ release, kind, value, source }))).toEqual([
      { release: 1, kind: 'seed', value: '399.3', source: seeded },
      { release: (summary.release ?? 0) - 1, kind: 'load', value: '341.66', source: loaded(misread) },
      { release: summary.release, kind: 'load', value: '399.3', source: loaded(corrected) },
    ]);
  });

  it('a revert restores the fact and the derived gap together', async () => {
    const history = (await llr())?.history ?? [];
    const correction = history.at(-1)?.release ?? 0;
    const misreading = history.at(-2)?.release ?? 0;
    await revertRelease(finance.db, correction, { actor: 'test' });
    expect(await heldCombined()).toBe('341.66');
    expect((await llr())?.combinedGbpM).toBe('341.66');
    const reverted = await revertRelease(finance.db, misreading, { actor: 'test' });
    expect(reverted.counts).toMatchObject({ updated: 2 });
    expect(await heldCombined()).toBe('399.3');
    const gap = await llr();
    expect(gap?.combinedGbpM).toBe('399.3');
    expect(gap?.flags.map((f) => f.code)).toEqual(['ROUNDING_DIFFERENCE']);
    expect(gap?.history.at(-1)).toMatchObject({ kind: 'revert', value: '399.3', source: null });
  });

  it('refuses a file with a bad row, naming file:line [column], and loads none of it', async () => {
    const path = factsFile(
      'bad.csv',
      llrCombined('£341.66 M'),
      `,COMBINED_GAP,${TRACKER},874,${LLR_LINE},£399.3 M,,,,`,
      llrCombined('£399.4 M'),
      `${llrCombined('£399.3 M')}2`,
    );
    const error = await loadFile(finance.db, financialFactLoadable, path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataFileError);
    const message = (error as Error).message;
    expect(message).toContain(`${displayPath(path)}:3 [stp_code]: column stp_code is required`);
    expect(message).toContain(`${displayPath(path)}:4 [amount_as_stated]: "£399.4 M" is not in the cited text`);
    expect(message).toContain(
      `${displayPath(path)}:5 [figure_number]: an STP has one COMBINED_GAP: figure_number must be 1 (or empty)`,
    );
    expect(await heldCombined()).toBe('399.3');
  });

  it('refuses an STP code geography does not publish', async () => {
    const path = factsFile('unknown.csv', `QZZ,COMBINED_GAP,${TRACKER},874,${LLR_LINE},£399.3 M,,,,`);
    const error = await loadFile(finance.db, financialFactLoadable, path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataFileError);
    expect((error as Error).message).toContain(
      `${displayPath(path)}:2 [stp_code]: stp_code QZZ is not in the stp list geography publishes`,
    );
  });

  it('answers history for every STP in one request in a constant number of statements per figure', async () => {
    const count = async (first: number, figures: string[]) => {
      finance.resetCounters();
      await finance.ask(
        `{ financialGaps(first: ${first}) { nodes { stpCode ${figures.map((f) => `${f}: history(figure: ${f}) { release value }`).join(' ')} } } }`,
      );
      return finance.statements();
    };
    const one = await count(1, ['COMBINED_GAP']);
    expect(await count(44, ['COMBINED_GAP'])).toBe(one);
    const three = await count(44, ['HEALTHCARE_GAP', 'SOCIAL_CARE_GAP', 'COMBINED_GAP']);
    // each further figure is one more history read (figureHistories' statements), whatever the STPs
    expect(three - one).toBe(2 * (one - (await count(1, []))));
  });
});

describe('the migration that keys financial facts', () => {
  it("numbers a deployment's held facts per STP and kind, in the order the seed wrote them, and keeps the key unique", async () => {
    // biome-ignore lint/suspicious/noExplicitAny: migrations are written against Kysely<any>
    const { db } = await finance.hub.newSchema<any>('finance_key_migration');
    await createTables(db);
    await db
      .insertInto('stp_finance')
      .values({
        stp_code: 'QT1',
        tracker_name: 'Nottinghamshire',
        heading_line: 1,
        heading_text: 'X',
        horizon: '2020/21',
        flags: '[]',
        checks: '[]',
      })
      .execute();
    const fact = (kind: string, stated: string) => ({
      stp_code: 'QT1',
      kind,
      amount_as_stated: stated,
      source_document: TRACKER,
      source_line: 502,
      source_text:
        'Need additional transition funding of £26 M in 2017/18 and £19 M in 2018/19 to be invested in out of hospital care',
      flags: '[]',
    });
    await db
      .insertInto('financial_fact')
      .values([
        fact('TRANSITION_FUNDING', '£26 M'),
        fact('TRANSITION_FUNDING', '£19 M'),
        fact('COMBINED_GAP', '£628 M'),
      ])
      .execute();
    await keyFacts(db);
    const rows = await db
      .selectFrom('financial_fact')
      .select(['kind', 'amount_as_stated', 'figure_number', 'part', 'derived_flags'])
      .orderBy('id')
      .execute();
    expect(rows).toEqual([
      { kind: 'TRANSITION_FUNDING', amount_as_stated: '£26 M', figure_number: 1, part: null, derived_flags: [] },
      { kind: 'TRANSITION_FUNDING', amount_as_stated: '£19 M', figure_number: 2, part: null, derived_flags: [] },
      { kind: 'COMBINED_GAP', amount_as_stated: '£628 M', figure_number: 1, part: null, derived_flags: [] },
    ]);
    await expect(
      db
        .insertInto('financial_fact')
        .values({ ...fact('COMBINED_GAP', '£628 M'), figure_number: 1 })
        .execute(),
    ).rejects.toThrow(/financial_fact_figure|unique|duplicate/i);
  });
});
