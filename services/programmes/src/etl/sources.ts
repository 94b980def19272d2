/** The source documents this subgraph cites (paths under infra/sources/). */
export const LINCOLNSHIRE_PAPER = 'seeds/000_647e8cd618725ea4.txt';
export const BOARD_PAPER = 'seeds/001_cbad4f5854a175db.txt';
export const TRACKER = 'seeds/002_5ca6f18803646174.txt';
export const PLANNING_LETTER = 'seeds/004_76447a4d1bef46a3.txt';

/** Every document a data file may cite. */
export const SEED_DOCUMENTS = [LINCOLNSHIRE_PAPER, BOARD_PAPER, TRACKER, PLANNING_LETTER] as const;
