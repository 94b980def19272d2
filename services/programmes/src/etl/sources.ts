import { SOURCE } from '@nhs-hub/kit/subgraph';

/** The source documents this subgraph cites (paths under infra/sources/). */
export const { LINCOLNSHIRE_PAPER, BOARD_PAPER, TRACKER, PLANNING_LETTER } = SOURCE;

/** Every document a data file may cite. */
export const SEED_DOCUMENTS = [LINCOLNSHIRE_PAPER, BOARD_PAPER, TRACKER, PLANNING_LETTER] as const;
