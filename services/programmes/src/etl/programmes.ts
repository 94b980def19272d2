import { type DataProblem, readCsv } from '@nhs-hub/kit/subgraph';
import { z } from 'zod';
import type { NewProgramme } from '../db/types.js';
import { PROGRAMME_RULES } from '../domain/rules.js';
import { DATA_FILES, duplicates, position, programmeCode } from './files.js';

export const ProgrammeRow = z.object({
  code: programmeCode,
  position,
  name: z.string().min(1),
  description: z.string().min(1),
});

export interface Programmes {
  readonly programmes: NewProgramme[];
  /** The data file's line of each programme, for problems found by later steps. */
  readonly lineOf: ReadonlyMap<string, number>;
}

/** programmes.csv: the national programmes, each once; every programme a rule names (rules.ts) must be listed. */
export function readProgrammes(dir: string, problems: DataProblem[]): Programmes {
  const path = `${dir}${DATA_FILES.programmes}`;
  const rows = readCsv(path, ProgrammeRow, problems);
  const programmes: NewProgramme[] = rows.map(({ value: p }) => ({ ...p }));
  const codes = new Set(programmes.map((p) => p.code));
  for (const rule of PROGRAMME_RULES) {
    if (!codes.has(rule.programme))
      problems.push({
        file: path,
        line: 1,
        reason: `a rule names programme ${rule.programme}, which the file does not list`,
      });
  }
  duplicates(rows, (p) => p.code, path, 'code', problems);
  return { programmes, lineOf: new Map(rows.map((r) => [r.value.code, r.line])) };
}
