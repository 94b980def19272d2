import { type Citation, cite, SOURCE } from '@nhs-hub/kit/subgraph';

/** The source documents this subgraph cites (paths under infra/sources/). */
export const { LINCOLNSHIRE_PAPER, BOARD_PAPER, TRACKER, PLANNING_LETTER, REGIONS: REGIONS_LIST } = SOURCE;

/**
 * A stretch of a document that carries one date. Seed 000 binds three documents together (the
 * paper of 1 June 2018, then the letters of 9 May and 27 March 2018), so a role is dated by the
 * part its line falls in, not by the file.
 */
export interface DatedPart {
  readonly document: string;
  readonly fromLine: number;
  readonly toLine: number;
  /** ISO 8601 date, or the year alone where the document states no date. */
  readonly statedOn: string;
  /** The line that states the date; null where the document carries none. */
  readonly dateSource: Citation | null;
}

export const DATED_PARTS: readonly DatedPart[] = [
  {
    document: LINCOLNSHIRE_PAPER,
    fromLine: 1,
    toLine: 299,
    statedOn: '2018-06-01',
    dateSource: cite(LINCOLNSHIRE_PAPER, 9, 'DATE\t1 June 2018'),
  },
  {
    document: LINCOLNSHIRE_PAPER,
    fromLine: 300,
    toLine: 377,
    statedOn: '2018-05-09',
    dateSource: cite(LINCOLNSHIRE_PAPER, 301, '09/05/2018'),
  },
  {
    document: LINCOLNSHIRE_PAPER,
    fromLine: 378,
    toLine: 442,
    statedOn: '2018-03-27',
    dateSource: cite(LINCOLNSHIRE_PAPER, 380, '27/03/2018'),
  },
  // The board paper's reference carries the date of the board meeting.
  {
    document: BOARD_PAPER,
    fromLine: 1,
    toLine: 72,
    statedOn: '2018-03-29',
    dateSource: cite(BOARD_PAPER, 3, 'Paper: PB.29.03.2018/07'),
  },
  // The tracker states no date anywhere; the year is the one its catalogue entry supports.
  { document: TRACKER, fromLine: 1, toLine: 1779, statedOn: '2018', dateSource: null },
  {
    document: PLANNING_LETTER,
    fromLine: 1,
    toLine: 75,
    statedOn: '2016-12-12',
    dateSource: cite(PLANNING_LETTER, 11, '12th December 2016'),
  },
];

export function datedPartOf(document: string, line: number): DatedPart | null {
  return DATED_PARTS.find((p) => p.document === document && line >= p.fromLine && line <= p.toLine) ?? null;
}
