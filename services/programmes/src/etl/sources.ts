import { SOURCE } from '@nhs-hub/kit/subgraph';

/** The source documents this subgraph cites (paths under infra/sources/). */
export const { LINCOLNSHIRE_PAPER, BOARD_PAPER, TRACKER, PLANNING_LETTER } = SOURCE;
