import { type DataProblem, lineNumber, stpOdsCode } from '@nhs-hub/kit/subgraph';
import { z } from 'zod';
import { isoDate, odsRegion } from './files.js';

/**
 * One region membership as the table holds it and a load file gives it: the STP, the region, the
 * days it ran (both inclusive; an empty valid_from is open, "since the STP began", an empty valid_to
 * open, "still"), whether a source states it or it is inferred (with the rule in `explanation`),
 * and the line of a source document that states it (or the rule inferring it), verbatim.
 */
export const MembershipRow = z
  .object({
    stp_code: stpOdsCode,
    region_code: odsRegion,
    valid_from: isoDate.nullish().transform((v) => v ?? null),
    valid_to: isoDate.nullish().transform((v) => v ?? null),
    basis: z.enum(['STATED', 'INFERRED']),
    explanation: z.string().min(1),
    source_document: z.string().min(1),
    source_line: lineNumber,
    source_text: z.string().min(1),
  })
  .superRefine((m, ctx) => {
    if (m.valid_from !== null && m.valid_to !== null && m.valid_to < m.valid_from)
      ctx.addIssue({
        code: 'custom',
        path: ['valid_to'],
        message: `valid_to ${m.valid_to} is before valid_from ${m.valid_from}: a membership ends on or after the day it starts`,
      });
  });
export type MembershipFileRow = z.output<typeof MembershipRow>;

/** The columns a membership is known by: an STP is in one region from a given day (null: from its start). */
export const MEMBERSHIP_KEY = ['stp_code', 'valid_from'] as const;

/** What the checks read of a membership. */
export interface MembershipPeriod {
  readonly stp_code: string;
  readonly region_code: string;
  readonly valid_from: string | null;
  readonly valid_to: string | null;
}

/** An STP or a region, with the days it existed (null: open). */
export interface DatedParent {
  readonly code: string;
  readonly name: string;
  readonly valid_from: string | null;
  readonly valid_to: string | null;
}

export interface MembershipProblem<M> {
  readonly membership: M;
  readonly column: 'stp_code' | 'region_code' | 'valid_from' | 'valid_to';
  readonly reason: string;
}

const OPEN_START = '0000-01-01';
const OPEN_END = '9999-12-31';
const startOf = (m: MembershipPeriod) => m.valid_from ?? OPEN_START;
const endOf = (m: MembershipPeriod) => m.valid_to ?? OPEN_END;
const period = (m: MembershipPeriod) => `${m.valid_from ?? 'its start'} to ${m.valid_to ?? 'open'}`;

/**
 * The rules every membership keeps, in the seed's rows and after every load: an STP is in one region
 * on any day (two memberships of one STP never share a day), and a membership runs only while its
 * STP and its region existed. `checked` says which memberships to report (a load's own rows; every
 * row in a seed); `placeOf` names a row for people ("line 3", "held, citing reference/... line 12").
 * Each overlap is reported once, on the first checked row of the pair.
 */
export function membershipProblems<M extends MembershipPeriod>(
  memberships: readonly M[],
  stps: ReadonlyMap<string, DatedParent>,
  regions: ReadonlyMap<string, DatedParent>,
  checked: (m: M) => boolean,
  placeOf: (m: M) => string,
): MembershipProblem<M>[] {
  const problems: MembershipProblem<M>[] = [];
  const byStp = new Map<string, M[]>();
  for (const m of memberships) byStp.set(m.stp_code, [...(byStp.get(m.stp_code) ?? []), m]);
  for (const [code, list] of byStp) {
    const stp = stps.get(code);
    const name = stp ? `STP ${code} (${stp.name})` : `STP ${code}`;
    for (let i = 0; i < list.length; i++) {
      const a = list[i];
      if (!a) continue;
      for (const b of list.slice(i + 1)) {
        const from = [startOf(a), startOf(b)].sort()[1] ?? OPEN_START;
        const to = [endOf(a), endOf(b)].sort()[0] ?? OPEN_END;
        if (from > to) continue;
        const [subject, other] = checked(a) ? [a, b] : checked(b) ? [b, a] : [null, null];
        if (!subject || !other) continue;
        const when = from !== OPEN_START ? `on ${from}` : to !== OPEN_END ? `on every day up to ${to}` : 'on every day';
        problems.push({
          membership: subject,
          column: 'valid_from',
          reason: `${name} would be ${subject.region_code === other.region_code ? `in region ${subject.region_code} twice` : 'in two regions'} ${when}: ${subject.region_code} from ${period(subject)} (${placeOf(subject)}) and ${other.region_code} from ${period(other)} (${placeOf(other)}); an STP is in one region at a time, so end one before the other starts`,
        });
      }
    }
    for (const m of list.filter(checked)) {
      if (!stp) {
        problems.push({ membership: m, column: 'stp_code', reason: `geography has no STP ${code}` });
        continue;
      }
      problems.push(...outside(m, name, stp, 'began', 'closed', 'its membership'));
      const region = regions.get(m.region_code);
      if (!region)
        problems.push({ membership: m, column: 'region_code', reason: `geography has no region ${m.region_code}` });
      else
        problems.push(
          ...outside(m, `region ${region.code} (${region.name})`, region, 'began', 'ended', `STP ${code}'s membership`),
        );
    }
  }
  return problems;
}

/** A membership running before its STP or region began, or after it ended. */
function outside<M extends MembershipPeriod>(
  m: M,
  name: string,
  parent: DatedParent,
  began: string,
  ended: string,
  membership: string,
): MembershipProblem<M>[] {
  const problems: MembershipProblem<M>[] = [];
  if (parent.valid_from !== null && m.valid_from !== null && m.valid_from < parent.valid_from)
    problems.push({
      membership: m,
      column: 'valid_from',
      reason: `${name} ${began} on ${parent.valid_from}: ${membership} from ${m.valid_from} starts before it existed`,
    });
  if (parent.valid_to !== null && (m.valid_to === null || m.valid_to > parent.valid_to))
    problems.push({
      membership: m,
      column: 'valid_to',
      reason: `${name} ${ended} on ${parent.valid_to}: ${membership} ${m.valid_to === null ? 'with no end (valid_to empty)' : `to ${m.valid_to}`} runs after it`,
    });
  return problems;
}

type Stored = Readonly<Record<string, unknown>>;
const dateOf = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);
const datedOf = (r: Stored): DatedParent => ({
  code: String(r.code),
  name: String(r.name),
  valid_from: dateOf(r.valid_from),
  valid_to: dateOf(r.valid_to),
});

/**
 * The rules over whole tables' rows (a seed's built rows, or what a reseed will write: data/'s with
 * the rows later loads left), every membership checked; each problem is placed on the line the
 * membership cites, the only place a seeded row has.
 */
export function seededMembershipProblems(
  memberships: readonly Stored[],
  stps: readonly Stored[],
  regions: readonly Stored[],
): DataProblem[] {
  const periods = memberships.map((r) => ({
    stp_code: String(r.stp_code),
    region_code: String(r.region_code),
    valid_from: dateOf(r.valid_from),
    valid_to: dateOf(r.valid_to),
    source_document: String(r.source_document),
    source_line: Number(r.source_line),
  }));
  return membershipProblems(
    periods,
    new Map(stps.map((s) => [String(s.code), datedOf(s)])),
    new Map(regions.map((r) => [String(r.code), datedOf(r)])),
    () => true,
    (m) => `citing ${m.source_document} line ${m.source_line}`,
  ).map((p) => ({
    file: p.membership.source_document,
    line: p.membership.source_line,
    column: p.column,
    reason: p.reason,
  }));
}
