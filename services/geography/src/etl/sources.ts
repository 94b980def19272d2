import { SOURCE, SOURCES_DIR, sourceLine } from '@nhs-hub/kit/subgraph';

/** The official lists, read where they are kept verbatim under infra/sources/, and the tracker. */
export const {
  TRACKER,
  REGIONS: REGIONS_FILE,
  STPS_2019: STPS_2019_FILE,
  STP_CODE_HISTORY: HISTORY_FILE,
  REFERENCE_README: README_FILE,
} = SOURCE;

export const reference = (file: string): string => SOURCES_DIR + file;
/** The verbatim text of a line of a source document ('' past its end: the citation check reports it). */
export const verbatim = (file: string, at: number): string => sourceLine(file, at) ?? '';
