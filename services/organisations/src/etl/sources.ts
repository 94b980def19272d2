import type { Citation } from '@nhs-hub/kit';

/** The source documents this subgraph cites (paths under infra/sources/). */
export const LINCOLNSHIRE_PAPER = 'seeds/000_647e8cd618725ea4.txt';
export const BOARD_PAPER = 'seeds/001_cbad4f5854a175db.txt';
export const TRACKER = 'seeds/002_5ca6f18803646174.txt';
export const PLANNING_LETTER = 'seeds/004_76447a4d1bef46a3.txt';
export const REGIONS_LIST = 'reference/nhs-england-regions.csv';

export const SEED_DOCUMENTS = [LINCOLNSHIRE_PAPER, BOARD_PAPER, TRACKER, PLANNING_LETTER] as const;

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
    dateSource: { document: LINCOLNSHIRE_PAPER, line: 9, text: 'DATE\t1 June 2018' },
  },
  {
    document: LINCOLNSHIRE_PAPER,
    fromLine: 300,
    toLine: 377,
    statedOn: '2018-05-09',
    dateSource: { document: LINCOLNSHIRE_PAPER, line: 301, text: '09/05/2018' },
  },
  {
    document: LINCOLNSHIRE_PAPER,
    fromLine: 378,
    toLine: 442,
    statedOn: '2018-03-27',
    dateSource: { document: LINCOLNSHIRE_PAPER, line: 380, text: '27/03/2018' },
  },
  // The board paper's reference carries the date of the board meeting.
  {
    document: BOARD_PAPER,
    fromLine: 1,
    toLine: 72,
    statedOn: '2018-03-29',
    dateSource: { document: BOARD_PAPER, line: 3, text: 'Paper: PB.29.03.2018/07' },
  },
  // The tracker states no date anywhere; the year is the one its catalogue entry supports.
  { document: TRACKER, fromLine: 1, toLine: 1779, statedOn: '2018', dateSource: null },
  {
    document: PLANNING_LETTER,
    fromLine: 1,
    toLine: 75,
    statedOn: '2016-12-12',
    dateSource: { document: PLANNING_LETTER, line: 11, text: '12th December 2016' },
  },
];

export function datedPartOf(document: string, line: number): DatedPart | null {
  return DATED_PARTS.find((p) => p.document === document && line >= p.fromLine && line <= p.toLine) ?? null;
}
