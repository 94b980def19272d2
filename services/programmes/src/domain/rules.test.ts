import { describe, expect, it } from 'vitest';
import { matchProgrammes, programmesOfTitle, rulePatternsOf } from './rules.js';

// Titles are verbatim from the tracker (seed 002) and the Lincolnshire paper (seed 000); line numbers in comments.
describe('programme keyword rules on real titles', () => {
  it.each([
    [
      'Organising urgent and emergency care so that people are directed to the right services for treatment',
      ['URGENT_AND_EMERGENCY_CARE'],
    ], // 215
    ['Urgent & Emergency care', ['URGENT_AND_EMERGENCY_CARE']], // 971
    [
      'Safe and effective hospital care, responsive urgent and expert emergency care, systematic and standardised care, continued world-famous research and services',
      ['URGENT_AND_EMERGENCY_CARE'],
    ], // 1075
    ['to appropriately manage the patient flow through urgent care', ['URGENT_AND_EMERGENCY_CARE']], // 1048
    [
      "Simplify urgent and emergency care – based on the Urgent and Emergency Care (UEC) Vanguard's value proposition",
      ['URGENT_AND_EMERGENCY_CARE', 'NEW_CARE_MODELS'],
    ], // 476
    ['Mental Health', ['MENTAL_HEALTH']], // 1277
    ['Improve child mental and physical health and wellbeing', ['MENTAL_HEALTH']], // 1248
    ['Mental health and learning disability', ['MENTAL_HEALTH', 'LEARNING_DISABILITIES']], // 894
    ['Cancer', ['CANCER']], // 518
    [
      'Reduce unfair variation in the management of long-term conditions – diabetes, cardiovascular disease and respiratory disease',
      ['DIABETES'],
    ], // 1249
    ['Primary Care Development', ['PRIMARY_CARE']], // 556
    ['Transformed primary, social and community care (community care first)', ['PRIMARY_CARE']], // 934
    ['Implementation of GP Forward View', ['PRIMARY_CARE']], // 000 line 122
    ['Prevention at scale', ['PREVENTION']], // 245
    ['Proactive and preventative care', ['PREVENTION']], // 970
    ['Preventing ill health and increasing self-care', ['PREVENTION']], // 587
    ['Maximise learning from the vanguards', ['NEW_CARE_MODELS']], // 321
    ['Accelerate introduction of new models of care in each community', ['NEW_CARE_MODELS']], // 1693
    ['Develop and efficient infrastructure to support new care models', ['NEW_CARE_MODELS']], // 1658
    ['Prevention and primary care', ['PRIMARY_CARE', 'PREVENTION']], // 1533
  ])('%s', (title, expected) => {
    expect(programmesOfTitle(title)).toEqual(expected);
  });

  it.each([
    'Clinical Redesign', // 826, Lincolnshire
    'Capacity optimisation', // 827
    'Operational Efficiency', // 828
    'Workforce productivity and redesign', // 829
    'Maternity and infant health', // 896: maternity is no programme the seeds name
    'Elective care and diagnostics', // 517
    'Reducing the variation of care', // 686
    'Integrated Care Communities & Community Hospitals', // 558
    'No further specifics mentioned', // 789
    'Planned Care', // 000 line 183 (the 100 day programme is in its summary, not its title)
  ])('leaves "%s" unmapped', (title) => {
    expect(programmesOfTitle(title)).toEqual([]);
  });

  it('reads "new model for primary care" as primary care, not as the new care models programme', () => {
    expect(programmesOfTitle('New model for primary care')).toEqual(['PRIMARY_CARE']); // 859
  });

  it('does not read programmes into lookalike words (the last three are made up to probe word boundaries)', () => {
    expect(programmesOfTitle('Diagnostics review')).toEqual([]); // 1734: "diag" is not "diabet"
    expect(programmesOfTitle('Cancerous growth of back office')).toEqual([]); // \bcancer\b
    expect(programmesOfTitle('a 1000 day plan')).toEqual([]); // not the 100 day programme
    expect(programmesOfTitle('Primary school nurses')).toEqual([]); // "primary" alone is not primary care
  });

  it('explains each match with the rule and the words, first matching text winning', () => {
    const matches = matchProgrammes([
      { text: 'New Models of care focused on prevention, moderating demand growth', in: 'TITLE' }, // 857
      { text: 'Place based integrated teams', in: 'SUB_POINT' },
      { text: 'New model for primary care', in: 'SUB_POINT' },
      { text: 'Integrated urgent care offer', in: 'SUB_POINT' },
    ]);
    expect(matches).toEqual([
      {
        programme: 'URGENT_AND_EMERGENCY_CARE',
        rule: String(/urgent (?:and|&) (?:expert )?emergency|\burgent care\b|\bUEC\b|\bA&E\b/i),
        matchedText: 'urgent care',
        matchedIn: 'SUB_POINT',
      },
      expect.objectContaining({ programme: 'PRIMARY_CARE', matchedText: 'primary care', matchedIn: 'SUB_POINT' }),
      expect.objectContaining({ programme: 'PREVENTION', matchedText: 'prevention', matchedIn: 'TITLE' }),
      expect.objectContaining({ programme: 'NEW_CARE_MODELS', matchedText: 'New Models of care', matchedIn: 'TITLE' }),
    ]);
  });

  it("maps the 100 day programme from the paper's words", () => {
    const line185 =
      "The key success in respect of the planned care programme has been the completion of the first 100 day programme. This has been a nationally facilitated, locally led programme of work that supported 'rapid improvement' across three specialties; dermatology, ophthalmology and diabetes.";
    expect(matchProgrammes([{ text: line185, in: 'SUMMARY' }]).map((m) => [m.programme, m.matchedText])).toEqual([
      ['DIABETES', 'diabetes'],
      ['RAPID_IMPROVEMENT_100_DAY', '100 day'],
    ]);
    // 000 line 106
    expect(programmesOfTitle('rapid testing (100-day approach)')).toEqual(['RAPID_IMPROVEMENT_100_DAY']);
  });
});

describe('rulePatternsOf', () => {
  it("lists a programme's rules as written, and none for a code no rule names", () => {
    expect(rulePatternsOf('MENTAL_HEALTH')).toEqual(['/mental health|\\bmental and physical health\\b/i']);
    expect(rulePatternsOf('NO_SUCH_PROGRAMME')).toEqual([]);
  });
});
