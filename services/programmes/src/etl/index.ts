import { type DataProblem, replaceTables, type SeedReport, throwIfProblems } from '@nhs-hub/kit/subgraph';
import type { Kysely } from 'kysely';
import type {
  NewConsideration,
  NewPriority,
  NewPriorityProgramme,
  NewProgramme,
  NewProgrammeSource,
  NewStatedOutcome,
  NewSubPoint,
  ProgrammesDatabase,
} from '../db/types.js';
import { DATA_FILES, LINCOLNSHIRE, PROGRAMMES_DATA_DIR } from './files.js';
import { matchPriorities } from './matches.js';
import { readOutcomes } from './outcomes.js';
import { readPaperPoints } from './paper-points.js';
import { readPaperPriorities } from './paper-priorities.js';
import { readProgrammeSources } from './programme-sources.js';
import { readProgrammes } from './programmes.js';
import { readSections } from './sections.js';
import { readTrackerItems } from './tracker-items.js';

export { DATA_FILES, LINCOLNSHIRE, PROGRAMMES_DATA_DIR };

export interface ProgrammesRows {
  programmes: NewProgramme[];
  programmeSources: NewProgrammeSource[];
  priorities: NewPriority[];
  subPoints: NewSubPoint[];
  outcomes: NewStatedOutcome[];
  matches: NewPriorityProgramme[];
  considerations: NewConsideration[];
}

export interface ProgrammesDataPaths {
  /** Folder holding the data files (with a trailing slash). */
  dataDir?: string;
}

/**
 * Runs every step over the data files and derives the programme matches. Steps collect problems
 * rather than stopping, so a DataFileError lists every one (file:line [column]) before anything
 * touches the database.
 */
export function buildProgrammesRows(paths: ProgrammesDataPaths = {}): ProgrammesRows {
  const dir = paths.dataDir ?? PROGRAMMES_DATA_DIR;
  const problems: DataProblem[] = [];
  const programmes = readProgrammes(dir, problems);
  const programmeSources = readProgrammeSources(dir, programmes, problems);
  const tracker = readTrackerItems(dir, readSections(dir, problems), problems);
  const paper = readPaperPriorities(dir, problems);
  const paperPoints = readPaperPoints(dir, paper.ids, problems);
  const outcomes = readOutcomes(dir, paper.ids, problems);
  const priorities = [...tracker.priorities, ...paper.priorities];
  const matches = matchPriorities(priorities, tracker.subPointsOf);
  throwIfProblems(problems);
  return {
    programmes: programmes.programmes,
    programmeSources,
    priorities,
    subPoints: [...tracker.subPoints, ...paperPoints],
    outcomes,
    matches,
    considerations: tracker.considerations,
  };
}

/** Validates every data file first, then replaces the subgraph's rows in one transaction. */
export async function seedProgrammes(
  db: Kysely<ProgrammesDatabase>,
  paths: ProgrammesDataPaths = {},
): Promise<SeedReport> {
  const rows = buildProgrammesRows(paths);
  return replaceTables(db, [
    ['programme', rows.programmes],
    ['programme_source', rows.programmeSources],
    // Parents before work streams, so the self-reference holds on insert.
    ['priority', [...rows.priorities].sort((a, b) => Number(a.parent_id !== null) - Number(b.parent_id !== null))],
    ['consideration', rows.considerations],
    ['sub_point', rows.subPoints],
    ['stated_outcome', rows.outcomes],
    ['priority_programme', rows.matches],
  ]);
}
