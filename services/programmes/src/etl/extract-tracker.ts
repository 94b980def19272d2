/**
 * One-off extraction of the tracker's "Focuses" and "Relevant considerations" bullets into
 * `data/tracker-items.csv`. Run by hand when the extraction rules change:
 *
 *   node --import tsx services/programmes/src/etl/extract-tracker.ts
 *
 * The seed step never parses the tracker: it loads the CSV and checks every row's text against
 * the cited line (kit `verifyCitations`), so a hand edit of the CSV is checked the same way.
 *
 * Rules (the tracker is a slide deck converted to text):
 * - an STP's section runs from its heading (data/tracker-stps.csv) to the next STP's heading;
 * - "Focuses" starts the focus list, "Relevant considerations" (with or without ':') the
 *   considerations list; a continuation slide heading "NAME (2)" / "NAME (3)" keeps the list open
 *   (GREATER MANCHESTER (3) continues its considerations);
 * - a bullet is a line starting "- › " or "› " (The Black Country has no "-");
 * - a line starting " - " is a sub-point of the bullet above it;
 * - any other non-blank line ("Financial gap by 2020/21", a "*Source" note...) closes the list.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { SOURCES_DIR } from '@nhs-hub/kit/subgraph';
import { TRACKER } from './sources.js';
import { DATA_FILES, PROGRAMMES_DATA_DIR } from './files.js';

export type TrackerList = 'FOCUS' | 'CONSIDERATION';

export interface ExtractedItem {
  stp_code: string;
  list: TrackerList;
  position: number;
  /** 0 for a bullet, 1.. for its sub-points in order. */
  sub_position: number;
  line: number;
  text: string;
}

const BULLET = /^(?:- )?› (.*)$/;
const SUB_POINT = /^ - (.*)$/;

export function extractTrackerItems(
  lines: readonly string[],
  headings: readonly { code: string; line: number; text: string }[],
): ExtractedItem[] {
  const sorted = [...headings].sort((a, b) => a.line - b.line);
  const items: ExtractedItem[] = [];
  sorted.forEach((heading, index) => {
    const end = sorted[index + 1]?.line ?? lines.length + 1;
    const continuation = new RegExp(`^${escapeRegExp(heading.text)} \\(\\d\\)$`, 'i');
    let list: TrackerList | null = null;
    const positions: Record<TrackerList, number> = { FOCUS: 0, CONSIDERATION: 0 };
    let subPosition = 0;
    for (let at = heading.line + 1; at < end; at++) {
      const raw = lines[at - 1] ?? '';
      if (raw.trim() === '') continue;
      if (/^Focuses:?$/.test(raw.trim())) {
        list = 'FOCUS';
        continue;
      }
      if (/^Relevant considerations:?$/.test(raw.trim())) {
        list = 'CONSIDERATION';
        continue;
      }
      if (continuation.test(raw.trim())) continue;
      const sub = SUB_POINT.exec(raw);
      if (list && sub?.[1] && positions[list] > 0) {
        subPosition += 1;
        items.push({
          stp_code: heading.code,
          list,
          position: positions[list],
          sub_position: subPosition,
          line: at,
          text: sub[1],
        });
        continue;
      }
      const bullet = BULLET.exec(raw);
      if (list && bullet?.[1]) {
        positions[list] += 1;
        subPosition = 0;
        items.push({
          stp_code: heading.code,
          list,
          position: positions[list],
          sub_position: 0,
          line: at,
          text: bullet[1],
        });
        continue;
      }
      if (!bullet) list = null;
    }
  });
  return items;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function csvField(value: string | number): string {
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(items: readonly ExtractedItem[]): string {
  const header = 'stp_code,list,position,sub_position,line,text';
  return `${[header, ...items.map((i) => [i.stp_code, i.list, i.position, i.sub_position, i.line, i.text].map(csvField).join(','))].join('\n')}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const lines = readFileSync(SOURCES_DIR + TRACKER, 'utf8').split('\n');
  const headingRows = readFileSync(`${PROGRAMMES_DATA_DIR}${DATA_FILES.stps}`, 'utf8').trim().split('\n').slice(1);
  const headings = headingRows.map((row) => {
    const [code = '', , line = '0'] =
      row.match(/("([^"]|"")*"|[^,]*)(,|$)/g)?.map((f) => f.replace(/,$/, '').replace(/^"|"$/g, '')) ?? [];
    const at = Number(line);
    return { code, line: at, text: lines[at - 1] ?? '' };
  });
  const items = extractTrackerItems(lines, headings);
  writeFileSync(`${PROGRAMMES_DATA_DIR}${DATA_FILES.trackerItems}`, toCsv(items));
  console.log(`wrote ${items.length} items`);
}
