import { type DataProblem, readCsv, stpOdsCode, stpOnsCode } from '@nhs-hub/kit/subgraph';
import { z } from 'zod';
import { dayBefore, lowerBound, partialDate } from './files.js';
import { HISTORY_FILE, reference, verbatim } from './sources.js';
import type { StpRows } from './stps-2019.js';
import { type TrackerStps, trackerFields } from './tracker.js';

const HistoryRow = z.object({
  ons_code: stpOnsCode,
  ods_code: z.union([stpOdsCode, z.literal('')]),
  name: z.string().min(1),
  valid_from: partialDate,
  valid_to: partialDate,
  successor_ons: stpOnsCode,
  note: z.string(),
});

/**
 * reference/stp-code-history.csv: earlier ONS codes, closures and the June 2018 merger into QHM.
 * Adds each code to `rows.onsCodes`; an STP whose successor is live in April 2019 but which is not
 * itself in that list closed: it gets its own row (ending the day before the merger), and a North
 * of England membership INFERRED from its successor's 2018/19 region. The successor starts on the
 * merger date.
 */
export function applyCodeHistory(rows: StpRows, tracker: TrackerStps, problems: DataProblem[]): void {
  const history = readCsv(reference(HISTORY_FILE), HistoryRow, problems);
  const byOns = new Map(rows.list.map(({ value: s }) => [s.stp_ons, s.stp_ods]));
  for (const { value: h, line: at } of history) {
    const text = verbatim(HISTORY_FILE, at);
    const successor = byOns.get(h.successor_ons);
    const stpCode = h.ods_code || (history.find((o) => o.value.ons_code === h.successor_ons)?.value.ods_code ?? '');
    if (!stpCode) {
      problems.push({
        file: HISTORY_FILE,
        line: at,
        reason: `no ODS code for ${h.ons_code} or its successor ${h.successor_ons}`,
      });
      continue;
    }
    rows.onsCodes.push({
      ons_code: h.ons_code,
      stp_code: stpCode,
      valid_from_stated: h.valid_from,
      valid_to_stated: h.valid_to,
      note: h.ods_code ? h.note : `${h.name}: predecessor footprint of ${h.successor_ons} (${h.note})`,
      source_document: HISTORY_FILE,
      source_line: at,
      source_text: text,
    });
    // A row whose successor is a live STP of April 2019 is a closure: the STP itself ends here.
    if (!h.ods_code || !successor || rows.list.some((s) => s.value.stp_ods === h.ods_code)) continue;
    const existing = rows.stps.find((s) => s.code === h.ods_code);
    const earliest =
      history
        .filter((o) => o.value.ods_code === h.ods_code)
        .map((o) => o.value.valid_from)
        .sort()[0] ?? h.valid_from;
    const validTo = dayBefore(lowerBound(h.valid_to));
    if (!existing) {
      const fields = trackerFields(tracker, h.ods_code);
      rows.stps.push({
        code: h.ods_code,
        ons_code: h.ons_code,
        official_name: h.name,
        official_source_document: HISTORY_FILE,
        official_source_line: at,
        official_source_text: text,
        ...fields,
        name: fields.name ?? h.name,
        valid_from: lowerBound(earliest),
        valid_from_stated: earliest,
        valid_to: validTo,
        valid_to_stated: `${h.valid_to} (${h.note})`,
        successor_code: successor,
      });
    }
    const inferred = { basis: 'INFERRED' as const, source_document: HISTORY_FILE, source_line: at, source_text: text };
    rows.memberships.push({
      stp_code: h.ods_code,
      region_code: 'Y54',
      valid_from: '2018-04-01',
      valid_to: validTo,
      explanation: `Not in the April 2019 list; inferred from its successor ${successor}, which was in North of England (Y54) in 2018/19.`,
      ...inferred,
    });
    rows.memberships.push({
      stp_code: h.ods_code,
      region_code: 'Y54',
      valid_from: lowerBound(earliest),
      valid_to: '2018-03-31',
      explanation: `Not in the April 2019 list; inferred from its successor ${successor}, which was in North of England (Y54) in 2018/19, and the North kept its code through April 2018.`,
      ...inferred,
    });
    const successorRow = rows.stps.find((s) => s.code === successor);
    if (successorRow && !successorRow.valid_from) {
      successorRow.valid_from = lowerBound(h.valid_to);
      successorRow.valid_from_stated = `${h.valid_to} (formed by merger: ${HISTORY_FILE} line ${at})`;
    }
  }
}
