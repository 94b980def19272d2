import { type DataProblem, located } from '@nhs-hub/kit/subgraph';
import { editedCopy } from '@nhs-hub/kit/testing';
import { describe, expect, it } from 'vitest';
import { DataFolder, ORGANISATIONS_DATA_DIR } from './files.js';
import { readRoleFlags } from './role-flags.js';

/** The roles role-flags.csv names, as roles.csv lists them. */
const FLAGGED_ROLES = new Set([
  '002-1206-stp-lead',
  '002-1206-chair',
  '002-1273-stp-lead',
  '002-1273-chief-officer',
  '002-1381-stp-lead',
  '002-1381-chief-officer',
]);

describe('role-flags.csv', () => {
  it('reads the flags a data engineer states, by role, in file order', () => {
    const problems: DataProblem[] = [];
    const flags = readRoleFlags(new DataFolder(), FLAGGED_ROLES, problems);
    expect(problems).toEqual([]);
    expect([...flags].map(([role, shapes]) => [role, shapes.map((f) => f.code)])).toEqual([
      ['002-1206-stp-lead', ['ROLE_NOT_ORGANISATION']],
      ['002-1206-chair', ['ROLE_NOT_ORGANISATION']],
      ['002-1273-stp-lead', ['ORGANISATIONS_NOT_NAMED']],
      ['002-1273-chief-officer', ['ORGANISATIONS_NOT_NAMED']],
      ['002-1381-stp-lead', ['ORGANISATIONS_NOT_NAMED']],
      // data lines 7 and 8: two flags for one role, kept in order
      ['002-1381-chief-officer', ['ORGANISATIONS_NOT_NAMED', 'AS_WRITTEN']],
    ]);
    // data line 8, as written
    expect(flags.get('002-1381-chief-officer')?.[1]).toEqual({
      code: 'AS_WRITTEN',
      explanation:
        'Line 1381 reads "joint Chief Office" where the matching line for North Central London (1273) reads "joint Chief Officer". The title is kept as written; the role is read as a chief officer post.',
    });
  });

  it('refuses a flag for a role that does not exist, and a code that is not UPPER_SNAKE', () => {
    const problems: DataProblem[] = [];
    readRoleFlags(
      new DataFolder(
        editedCopy(ORGANISATIONS_DATA_DIR, {
          'role-flags.csv': (csv) => csv.replace('002-1206-chair,ROLE_NOT_ORGANISATION,', '002-1206-chair,not-a-code,'),
        }),
      ),
      new Set([...FLAGGED_ROLES].filter((r) => r !== '002-1273-stp-lead')),
      problems,
    );
    expect(problems.map(located)).toEqual([
      'role-flags.csv:3 [code] expected a flag code such as INFERRED',
      'role-flags.csv:4 [role_id] unknown role 002-1273-stp-lead',
    ]);
  });
});
