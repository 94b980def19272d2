import {
  citationOf,
  type DataProblem,
  displayPath,
  readCsv,
  sourceLines,
  verifyCitations,
  lineNumber,
  stpOdsCode,
} from '@nhs-hub/kit/subgraph';
import { z } from 'zod';
import { TRACKER } from '../domain/kinds.js';
import { DATA_FILES, dataPath } from './files.js';

/** The tracker's last STP section ends where its closing "OUTLOOK FOR 2018" page begins. */
const TRACKER_LAST_SECTION_END = 1761;

const SectionRow = z.object({
  stp_code: stpOdsCode,
  tracker_name: z.string().min(1),
  heading_line: lineNumber,
  heading_text: z.string().min(1),
});

/** One STP section of the tracker: its heading, and its financial block from "Financial gap by 2020/21" to `end`. */
export interface Section {
  readonly name: string;
  readonly heading: number;
  readonly headingText: string;
  /** 0 when the section has no "Financial gap by 2020/21" line (reported as a problem). */
  readonly gapLine: number;
  readonly end: number;
}

/**
 * tracker-sections.csv: which lines of the tracker belong to which STP. Each section runs from its
 * heading to the next one; its financial block starts at its "Financial gap by 2020/21" line.
 */
export function readSections(dataDir: string, problems: DataProblem[]): Map<string, Section> {
  const path = dataPath(dataDir, DATA_FILES.sections);
  const rows = readCsv(path, SectionRow, problems);
  verifyCitations(
    path,
    rows.map((r) => ({
      line: r.line,
      column: 'heading_text',
      citation: citationOf(r.value, 'heading', TRACKER),
    })),
    problems,
  );
  const tracker = sourceLines(TRACKER);
  const ordered = [...rows].sort((a, b) => a.value.heading_line - b.value.heading_line);
  const sections = new Map<string, Section>();
  ordered.forEach((row, i) => {
    const s = row.value;
    const end = (ordered[i + 1]?.value.heading_line ?? TRACKER_LAST_SECTION_END) - 1;
    let gapLine = 0;
    for (let n = s.heading_line; n <= end; n += 1) {
      if (tracker[n - 1]?.startsWith('Financial gap by 2020/21')) {
        gapLine = n;
        break;
      }
    }
    if (!gapLine)
      problems.push({
        file: displayPath(path),
        line: row.line,
        reason: `no "Financial gap by 2020/21" line between lines ${s.heading_line} and ${end}`,
      });
    if (sections.has(s.stp_code))
      problems.push({
        file: displayPath(path),
        line: row.line,
        column: 'stp_code',
        reason: `${s.stp_code} appears twice`,
      });
    sections.set(s.stp_code, {
      name: s.tracker_name,
      heading: s.heading_line,
      headingText: s.heading_text,
      gapLine,
      end,
    });
  });
  return sections;
}
