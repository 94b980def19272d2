import { type DataProblem, readCsv } from '@nhs-hub/kit/subgraph';
import { z } from 'zod';
import type { NewPerson } from '../db/types.js';
import { parsePersonName, slugify } from './names.js';
import { type DataFolder, duplicates, slug } from './files.js';

export const PersonRow = z.object({ id: slug, name: z.string().min(1) });

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
    byId.set(p.id, { name: p.name, line: at });
    const person = personOf(p);
    for (const problem of person.problems) problems.push({ file, line: at, ...problem });
    if (person.row) people.push({ ...person.row, position: i + 1 });
  });
  return { people, byId };
}

/**
 * The person row one line of people.csv becomes (without its position: the file's order decides
 * it), its name split into parts (names.ts), and what is wrong with it: a name without a family
 * name has no row; the id must be the slug of the name without honorifics.
 */
export function personOf(p: z.output<typeof PersonRow>): {
  row: Omit<NewPerson, 'position'> | null;
  problems: { column: string; reason: string }[];
} {
  const parsed = parsePersonName(p.name);
  if (parsed.familyName === null)
    return { row: null, problems: [{ column: 'name', reason: `no family name in ${JSON.stringify(p.name)}` }] };
  const expected = slugify(parsed.nameWithoutHonorifics);
  return {
    row: {
      id: p.id,
      name: p.name,
      honorific_prefix: parsed.honorificPrefix,
      given_name: parsed.givenName,
      family_name: parsed.familyName,
      post_nominals: parsed.postNominals,
      name_without_honorifics: parsed.nameWithoutHonorifics,
      flags: JSON.stringify(parsed.flags),
    },
    problems:
      p.id === expected
        ? []
        : [{ column: 'id', reason: `expected the slug of the name without honorifics, '${expected}'` }],
  };
}
