import { type DataProblem, type FlagShape, located } from '@nhs-hub/kit/subgraph';
import { editedCopy } from '@nhs-hub/kit/testing';
import { describe, expect, it } from 'vitest';
import { DataFolder, ORGANISATIONS_DATA_DIR } from './files.js';
import { readPeople } from './people.js';

describe('people.csv', () => {
  it('splits each name as written into its parts', () => {
    const problems: DataProblem[] = [];
    const { people, byId } = readPeople(new DataFolder(), problems);
    expect(problems).toEqual([]);
    expect(people).toHaveLength(51);
    expect(people.find((p) => p.id === 'allan-kitt')).toMatchObject({
      name: 'Allan Kitt',
      given_name: 'Allan',
      family_name: 'Kitt',
      honorific_prefix: null,
      position: 18,
    });
    const morris = people.find((p) => p.id === 'andrew-morris');
    expect(morris).toMatchObject({
      name: 'Sir Andrew Morris',
      honorific_prefix: 'Sir',
      given_name: 'Andrew',
      family_name: 'Morris',
      name_without_honorifics: 'Andrew Morris',
    });
    expect(JSON.parse(morris?.flags ?? 'null') as FlagShape[]).toEqual([]);
    expect(byId.get('simon-stevens')).toEqual({ name: 'Simon Stevens', line: 51 });
  });

  it('refuses an id that is not the slug of the name without honorifics', () => {
    const problems: DataProblem[] = [];
    readPeople(
      new DataFolder(
        editedCopy(ORGANISATIONS_DATA_DIR, {
          'people.csv': (csv) => csv.replace('allan-kitt,Allan Kitt', 'allan-kitt,Alan Kitt'),
        }),
      ),
      problems,
    );
    expect(problems.map(located)).toEqual([
      "people.csv:19 [id] expected the slug of the name without honorifics, 'alan-kitt'",
    ]);
  });
});
