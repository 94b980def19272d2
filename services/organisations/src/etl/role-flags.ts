import { type DataProblem, type FlagShape, readCsv } from '@nhs-hub/kit/subgraph';
import { z } from 'zod';
import { type DataFolder, flagCode } from './files.js';

const RoleFlagRow = z.object({ role_id: z.string().min(1), code: flagCode, explanation: z.string().min(1) });

/** role-flags.csv: flags a data engineer states for a role (INFERRED, AS_WRITTEN, ...), by role id. */
export function readRoleFlags(
  folder: DataFolder,
  roleIds: ReadonlySet<string>,
  problems: DataProblem[],
): ReadonlyMap<string, FlagShape[]> {
  const flags = new Map<string, FlagShape[]>();
  for (const { value: f, line: at } of readCsv(folder.path('roleFlags'), RoleFlagRow, problems)) {
    if (!roleIds.has(f.role_id))
      problems.push({
        file: folder.file('roleFlags'),
        line: at,
        column: 'role_id',
        reason: `unknown role ${f.role_id}`,
      });
    flags.set(f.role_id, [...(flags.get(f.role_id) ?? []), { code: f.code, explanation: f.explanation }]);
  }
  return flags;
}
