import { type DataProblem, readCsv } from '@nhs-hub/kit/subgraph';
import { z } from 'zod';
import type { NewPerson } from '../db/types.js';
import { parsePersonName, slugify } from './names.js';
import { type DataFolder, duplicates, slug } from './files.js';

const PersonRow = z.object({ id: slug, name: z.string().min(1) });

/** A person as written, by id, with the data file's line (roles check the name stands on their line). */
export type PeopleById = ReadonlyMap<string, { name: string; line: number }>;

/**
 * people.csv: each person once, the name as written and its parts (names.ts); the id is the slug
 * without honorifics.
 */
export function readPeople(folder: DataFolder, problems: DataProblem[]): { people: NewPerson[]; byId: PeopleById } {
  const file = folder.file('people');
  const rows = readCsv(folder.path('people'), PersonRow, problems);
  duplicates(rows, (p) => p.id, file, 'id', problems);
  const people: NewPerson[] = [];
  const byId = new Map<string, { name: string; line: number }>();
  rows.forEach(({ value: p, line: at }, i) => {
    const parsed = parsePersonName(p.name);
    byId.set(p.id, { name: p.name, line: at });
    if (parsed.familyName === null) {
      problems.push({ file, line: at, column: 'name', reason: `no family name in ${JSON.stringify(p.name)}` });
      return;
    }
    if (p.id !== slugify(parsed.nameWithoutHonorifics)) {
      problems.push({
        file,
        line: at,
        column: 'id',
        reason: `expected the slug of the name without honorifics, '${slugify(parsed.nameWithoutHonorifics)}'`,
      });
    }
    people.push({
      id: p.id,
      position: i + 1,
      name: p.name,
      honorific_prefix: parsed.honorificPrefix,
      given_name: parsed.givenName,
      family_name: parsed.familyName,
      post_nominals: parsed.postNominals,
      name_without_honorifics: parsed.nameWithoutHonorifics,
      flags: JSON.stringify(parsed.flags),
    });
  });
  return { people, byId };
}
