import { describe, expect, it } from 'vitest';
import { buildOrganisationsRows } from '../etl/index.js';
import { TRACKER } from '../etl/sources.js';
import { leadershipNote, NO_NAMED_LEADER, nameCitations, stpsLed } from './roles.js';

const rows = buildOrganisationsRows();
const rolesOf = (organisation: string) => {
  const ids = new Set(rows.roleOrganisations.filter((l) => l.organisation_id === organisation).map((l) => l.role_id));
  return rows.roles
    .filter((r) => ids.has(r.id))
    .sort((a, b) => a.position - b.position)
    .map((r) => ({ ...r, stp_code: r.stp_code ?? null }));
};

describe('roles, summarised', () => {
  it('names the STPs an organisation leads once each, in source order (University Hospitals Bristol: QUY, QOX)', () => {
    expect(stpsLed(rolesOf('university-hospitals-bristol-nhs-ft'))).toEqual(['QUY', 'QOX']);
    expect(stpsLed(rolesOf('nhs-england'))).toEqual([]);
  });

  it("cites each line a person's name stands on once, with the name as the person is known", () => {
    const kitt = rows.roles.filter((r) => r.person_id === 'allan-kitt');
    expect(nameCitations('Allan Kitt', [...kitt, ...kitt])).toEqual([
      { document: TRACKER, line: 822, text: 'Allan Kitt' },
    ]);
  });

  it("says a region's directors are announced but not named, before what the seeds say of it", () => {
    const midlands = rows.regionNotes.filter((n) => n.region_code === 'Y60');
    expect(midlands.length).toBeGreaterThan(0);
    const note = leadershipNote(midlands, 0);
    expect(note?.startsWith(`${NO_NAMED_LEADER} ${midlands[0]?.note}`)).toBe(true);
    expect(leadershipNote([], 0)).toBeNull();
    expect(leadershipNote(midlands, 1)).toBe(midlands.map((n) => n.note).join(' '));
  });
});
