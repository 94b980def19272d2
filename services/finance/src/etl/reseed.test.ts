import { loadFile, prepareSubgraph, revertRelease, type SubgraphDefinition } from '@nhs-hub/kit/subgraph';
import { createTestHub, editedCopy, loadFiles, type TestHub } from '@nhs-hub/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FinanceDatabase } from '../db/types.js';
import { subgraph } from '../index.js';
import { financialFactLoadable } from './fact-loadable.js';
import { FINANCE_DATA_DIR } from './files.js';
import { seedFinance } from './index.js';

const files = loadFiles('finance-reseed-');
let hub: TestHub;
beforeAll(async () => {
  hub = await createTestHub();
});
afterAll(async () => {
  await hub.close();
  files.remove();
});

const HEADER = 'stp_code,kind,document,line,text,amount_as_stated,part,flag,flag_explanation,figure_number';
const TRACKER = 'seeds/002_5ca6f18803646174.txt';
/** Leicester, Leicestershire and Rutland's gap line: three amounts, each its own fact. */
const LLR_LINE = 'Healthcare: £341.66 M + Social care: £57.7 M = Combined: £399.3 M';
const PART_COLUMNS = {
  HEALTHCARE_GAP: 'healthcare_gbp_m',
  SOCIAL_CARE_GAP: 'social_care_gbp_m',
  COMBINED_GAP: 'combined_gbp_m',
  PROPOSED_SAVINGS: 'proposed_savings_gbp_m',
  CAPITAL_REQUIRED: 'capital_required_gbp_m',
} as const;

describe('a reseed derives the gaps again from the facts it keeps', () => {
  it("a loaded part and a part data/ changed since: the STP's gap is derived from both, never left as the load derived it", async () => {
    const schema = hub.schema('finance_reseed');
    const first = await prepareSubgraph(subgraph, hub.database, schema, true);
    const db = first.scoped.db;
    // A load misreads Leicester, Leicestershire and Rutland's combined gap (the healthcare amount taken for it)...
    const loaded = await loadFile(
      db,
      financialFactLoadable,
      files.csv('combined.csv', HEADER, `QK1,COMBINED_GAP,${TRACKER},874,${LLR_LINE},£341.66 M,,,,`),
      { actor: 'test' },
    );
    // ...and data/ then changes another part of the same STP: its social care gap.
    const edited = editedCopy(FINANCE_DATA_DIR, {
      'financial-facts.csv': (text) =>
        text.replace(
          `QK1,SOCIAL_CARE_GAP,${TRACKER},874,${LLR_LINE},£57.7 M,`,
          `QK1,SOCIAL_CARE_GAP,${TRACKER},874,${LLR_LINE},£341.66 M,`,
        ),
    });
    const reseeding: SubgraphDefinition<FinanceDatabase> = {
      ...subgraph,
      seed: (d) => seedFinance(d, { dataDir: edited }),
    };
    const start = () => prepareSubgraph(reseeding, hub.database, schema, true);
    const reseed = await start();

    const facts = await db
      .selectFrom('financial_fact')
      .select(['stp_code', 'kind', 'amount_gbp_m'])
      .where('kind', 'in', Object.keys(PART_COLUMNS))
      .execute();
    const gaps = await db.selectFrom('stp_finance').selectAll().execute();
    const qk1 = gaps.find((g) => g.stp_code === 'QK1');
    // The loaded combined gap stays, data/'s social care gap is applied, and the gap holds both.
    expect(qk1).toMatchObject({ healthcare_gbp_m: '341.66', social_care_gbp_m: '341.66', combined_gbp_m: '341.66' });
    expect(qk1?.flags.map((f) => f.code)).toContain('SUM_MISMATCH');
    // Every STP's gap parts are its facts' amounts.
    for (const gap of gaps)
      for (const [kind, column] of Object.entries(PART_COLUMNS)) {
        const fact = facts.find((f) => f.stp_code === gap.stp_code && f.kind === kind);
        expect(gap[column] === null ? null : Number(gap[column]), `${gap.stp_code} ${kind}`).toBe(
          fact?.amount_gbp_m == null ? null : Number(fact.amount_gbp_m),
        );
      }
    // The loaded fact is kept, and named; the gap is derived again, not kept.
    expect(reseed.seedOutcome?.kept).toEqual([
      {
        table: 'financial_fact',
        key: { stp_code: 'QK1', kind: 'COMBINED_GAP', figure_number: 1 },
        release: loaded.release,
        kind: 'load',
      },
    ]);
    expect(reseed.seedOutcome?.counts).toMatchObject({ updated: 2, inserted: 0, deleted: 0, kept: 1 });

    // A start with the same data changes nothing: the derivation is the table's.
    expect((await start()).seedOutcome).toMatchObject({ release: null });
    // The load's gap row was derived again by the seed since: undoing the load alone is refused, naming it.
    await expect(revertRelease(db, loaded.release ?? 0)).rejects.toThrow(
      `stp_finance stp_code=QK1: changed by release ${reseed.seedOutcome?.release} (seed by`,
    );
  });
});
