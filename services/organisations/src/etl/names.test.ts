import { describe, expect, it } from 'vitest';
import { parsePersonName, slugify } from './names.js';

describe('person names', () => {
  it('separates honorifics and post-nominals without changing the name as written', () => {
    expect(parsePersonName('Sir Andrew Cash OBE')).toEqual({
      name: 'Sir Andrew Cash OBE',
      honorificPrefix: 'Sir',
      givenName: 'Andrew',
      familyName: 'Cash',
      postNominals: 'OBE',
      nameWithoutHonorifics: 'Andrew Cash',
      flags: [],
    });
    expect(parsePersonName('Angela Pedder OBE')).toMatchObject({
      honorificPrefix: null,
      givenName: 'Angela',
      familyName: 'Pedder',
      postNominals: 'OBE',
    });
    expect(parsePersonName('Dr Anita Donley')).toMatchObject({
      honorificPrefix: 'Dr',
      givenName: 'Anita',
      familyName: 'Donley',
      postNominals: null,
    });
    expect(parsePersonName('Allan Kitt')).toMatchObject({
      honorificPrefix: null,
      givenName: 'Allan',
      familyName: 'Kitt',
      nameWithoutHonorifics: 'Allan Kitt',
    });
  });

  it('takes several honorifics and honours, with or without commas', () => {
    expect(parsePersonName('Professor Sir Jane Doe-Smith CBE FRCP')).toMatchObject({
      honorificPrefix: 'Professor Sir',
      givenName: 'Jane',
      familyName: 'Doe-Smith',
      postNominals: 'CBE FRCP',
      nameWithoutHonorifics: 'Jane Doe-Smith',
    });
    expect(parsePersonName('Dame Ann Smith, DBE')).toMatchObject({
      honorificPrefix: 'Dame',
      familyName: 'Smith',
      postNominals: 'DBE',
      nameWithoutHonorifics: 'Ann Smith',
    });
    expect(parsePersonName('Kathy McLean')).toMatchObject({ givenName: 'Kathy', familyName: 'McLean' });
  });

  it('keeps multi-word family names whole and never mistakes a name for a title', () => {
    expect(parsePersonName('Mary de la Mare')).toMatchObject({ givenName: 'Mary', familyName: 'de la Mare' });
    // A lone token is a name, not an honorific, even when it could be one.
    expect(parsePersonName('Sir')).toMatchObject({ honorificPrefix: null, givenName: 'Sir', familyName: null });
  });

  it('flags lower-case name parts and keeps them as written (tracker line 1593)', () => {
    const parsed = parsePersonName('Dr matthew Dolman');
    expect(parsed).toMatchObject({
      honorificPrefix: 'Dr',
      givenName: 'matthew',
      familyName: 'Dolman',
      nameWithoutHonorifics: 'matthew Dolman',
    });
    expect(parsed.flags).toEqual([
      {
        code: 'NAME_CASING',
        explanation: 'The source writes "matthew" in lower case; the name is kept exactly as written.',
      },
    ]);
  });
});

describe('slugs', () => {
  it('makes stable ids from names as written', () => {
    expect(slugify('South West Lincolnshire CCG')).toBe('south-west-lincolnshire-ccg');
    expect(slugify('Luton & Dunstable University Hospital NHS FT')).toBe(
      'luton-and-dunstable-university-hospital-nhs-ft',
    );
    expect(slugify("Guy's and St Thomas' FT")).toBe('guys-and-st-thomas-ft');
    expect(slugify("Alder Hey Children's NHS FT")).toBe('alder-hey-childrens-nhs-ft');
    expect(slugify('matthew Dolman')).toBe('matthew-dolman');
  });
});
