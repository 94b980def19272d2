import { describe, expect, it } from 'vitest';
import { KIND_RULES, organisationKind } from './kinds.js';

const kindOf = (name: string) => {
  const { kind, rule } = organisationKind(name);
  return [kind, rule];
};

describe('organisation kind rules', () => {
  it('reads a CCG from "CCG" or "Clinical Commissioning Group" anywhere in the name', () => {
    expect(kindOf('South West Lincolnshire CCG')).toEqual(['CCG', 'CCG_IN_NAME']);
    expect(kindOf('Newcastle Gateshead CCG (Clinical Commissioning Group)')).toEqual(['CCG', 'CCG_IN_NAME']);
    expect(kindOf('NHS Somerset Clinical Commissioning Group')).toEqual(['CCG', 'CCG_IN_NAME']);
    expect(organisationKind('Hull CCG').explanation).toBe('The name contains "CCG": a clinical commissioning group.');
  });

  it('tells foundation trusts from NHS trusts by the suffix as written', () => {
    expect(kindOf('Frimley Health NHS FT')).toEqual(['NHS_FOUNDATION_TRUST', 'NHS_FOUNDATION_TRUST_SUFFIX']);
    expect(kindOf('Sheffield Teaching Hospitals NHS Foundation Trust')).toEqual([
      'NHS_FOUNDATION_TRUST',
      'NHS_FOUNDATION_TRUST_SUFFIX',
    ]);
    expect(kindOf('Ipswich Hospital NHS Trust')).toEqual(['NHS_TRUST', 'NHS_TRUST_SUFFIX']);
    // Read from the name only: the tracker writes an NHS trust here, so an NHS trust it is.
    expect(kindOf('Royal Devon and Exeter NHS Trust')).toEqual(['NHS_TRUST', 'NHS_TRUST_SUFFIX']);
  });

  it('reads "FT" without "NHS" as a foundation trust, and says so', () => {
    const decision = organisationKind("Guy's and St Thomas' FT");
    expect(decision).toMatchObject({ kind: 'NHS_FOUNDATION_TRUST', rule: 'FOUNDATION_TRUST_SUFFIX' });
    expect(decision.explanation).toContain('without "NHS"');
    // "FT" must be a word of its own at the end: "Croft" is not a trust.
    expect(kindOf('Croft')).toEqual(['OTHER', 'NO_RULE']);
  });

  it('reads councils whatever the casing the source uses', () => {
    expect(kindOf('Manchester City Council')).toEqual(['LOCAL_AUTHORITY', 'COUNCIL_SUFFIX']);
    expect(kindOf('Nottinghamshire County Council')).toEqual(['LOCAL_AUTHORITY', 'COUNCIL_SUFFIX']);
    expect(kindOf('Lincolnshire County council')).toEqual(['LOCAL_AUTHORITY', 'COUNCIL_SUFFIX']);
    expect(organisationKind('Lincolnshire County council').explanation).toBe(
      'The name ends in "County council": a local authority.',
    );
  });

  it('knows national bodies by name, before any suffix rule can claim them', () => {
    expect(kindOf('NHS England')).toEqual(['NATIONAL_BODY', 'NATIONAL_BODY_NAME']);
    expect(kindOf('NHS Improvement')).toEqual(['NATIONAL_BODY', 'NATIONAL_BODY_NAME']);
    expect(kindOf('Department of Health and Social Care')).toEqual(['NATIONAL_BODY', 'NATIONAL_BODY_NAME']);
    expect(KIND_RULES[0]?.code).toBe('NATIONAL_BODY_NAME');
  });

  it('falls back to OTHER with an explanation when no rule fires', () => {
    expect(organisationKind('ABHI')).toEqual({
      kind: 'OTHER',
      rule: 'NO_RULE',
      explanation:
        'No rule fired for "ABHI": it is not a listed national body and its name has no CCG, trust or council marker.',
    });
    // Not a role: a success regime is not an organisation kind the rules recognise.
    expect(kindOf('Independent Chair, Success Regime')).toEqual(['OTHER', 'NO_RULE']);
  });
});
