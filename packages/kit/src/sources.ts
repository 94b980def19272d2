import { readFileSync } from 'node:fs';
import { REPO_ROOT } from './repo.js';

/**
 * The documents every figure in the hub is read from. The files themselves are copied verbatim into
 * `infra/sources/` so that a citation (document, line, text) can be checked without anything
 * outside this repository.
 */
export interface SourceDocument {
  /** Path under `infra/sources/`, e.g. `seeds/002_5ca6f18803646174.txt`. */
  readonly file: string;
  readonly title: string;
  readonly publisher: string;
  /** ISO 8601 date, or the partial date (year, year-month) the document itself supports. */
  readonly published: string | null;
  readonly description: string;
}

/**
 * Each source document's file, under the name code refers to it by. The one place a file name is
 * written: subgraphs, tools and benches import these rather than spelling the path again.
 */
export const SOURCE = {
  /** Lincolnshire STP's update of June 2018, bound with NHS England's letters of May and March 2018. */
  LINCOLNSHIRE_PAPER: 'seeds/000_647e8cd618725ea4.txt',
  BOARD_PAPER: 'seeds/001_cbad4f5854a175db.txt',
  /** ABHI's STPs tracker: one section per STP. */
  TRACKER: 'seeds/002_5ca6f18803646174.txt',
  PLANNING_LETTER: 'seeds/004_76447a4d1bef46a3.txt',
  STPS_2019: 'reference/stps-2019.csv',
  STP_CODE_HISTORY: 'reference/stp-code-history.csv',
  REGIONS: 'reference/nhs-england-regions.csv',
  REFERENCE_README: 'reference/README.md',
} as const;

export const SOURCE_DOCUMENTS = [
  {
    file: SOURCE.LINCOLNSHIRE_PAPER,
    title:
      "Lincolnshire STP update for Governing Bodies and Trust Boards, with NHS England and NHS Improvement's letters 'NHS Regional Geographies' (9 May 2018, Annex A) and 'working closer together' (27 March 2018)",
    publisher: 'Lincolnshire Sustainability and Transformation Partnership',
    published: '2018-06-01',
    description:
      "Lincolnshire's case for change, its seven priorities, the proposed Midlands and Central & East regions, Annex A key facts",
  },
  {
    file: SOURCE.BOARD_PAPER,
    title: 'Proposals to increase joint working between NHS England and NHS Improvement (board paper PB.29.03.2018/07)',
    publisher: 'NHS England',
    published: '2018-03-29',
    description: 'The move to seven integrated regional teams, each under one regional director',
  },
  {
    file: SOURCE.TRACKER,
    title: 'STPs tracker',
    publisher: 'Association of British HealthTech Industries (ABHI)',
    published: '2018',
    description:
      'One section per STP: population, lead, focuses, considerations, financial gap by 2020/21, savings, capital, ICS status',
  },
  {
    file: SOURCE.PLANNING_LETTER,
    title: 'Next steps on STPs and the 2017-2019 NHS planning round',
    publisher: 'NHS England and NHS Improvement',
    published: '2016-12-12',
    description: 'National programmes and transformation funding, planning dates',
  },
  {
    file: SOURCE.STPS_2019,
    title: 'STPs of April 2019 with ONS and ODS codes and their regions (2018/19 and from April 2019)',
    publisher: 'Office for National Statistics (Open Geography) and NHS Digital ODS',
    published: '2019-04',
    description: 'The 42 STPs of April 2019',
  },
  {
    file: SOURCE.STP_CODE_HISTORY,
    title: 'STP footprints closed or re-coded before April 2019',
    publisher: 'Office for National Statistics (Open Geography) and NHS Digital ODS change log',
    published: '2019-04',
    description: 'Closures, boundary fixes and the 2018-06-07 merger into Cumbria and North East (QHM)',
  },
  {
    file: SOURCE.REGIONS,
    title: 'NHS England regions 2012-2019 with codes and validity dates',
    publisher: 'Office for National Statistics (Open Geography) and NHS Digital ODS',
    published: '2019-04',
    description: 'All ten regions, with certainty of each date',
  },
  {
    file: SOURCE.REFERENCE_README,
    title: 'Reference codes: notes on the ONS and ODS code lists',
    publisher: 'Office for National Statistics and NHS Digital ODS (notes compiled with the code lists)',
    published: '2019-04',
    description: 'Regions before April 2018, 2020 ONS re-codes, known errors in the ODS workbook',
  },
] as const satisfies readonly SourceDocument[];

export type SourceFile = (typeof SOURCE_DOCUMENTS)[number]['file'];

/** A place in a source document a fact was read from. */
export interface Citation {
  readonly document: string;
  readonly line: number;
  /** Verbatim text of (part of) that line. */
  readonly text: string;
}

/** A row's column `<prefix>_<name>`, or `<name>` itself for the empty prefix. */
type Column<P extends string, Name extends string> = P extends '' ? Name : `${P}_${Name}`;
type LineColumns<P extends string> = { readonly [K in Column<P, 'line'>]: number } & {
  readonly [K in Column<P, 'text'>]: string;
};
type CitedColumns<P extends string> = LineColumns<P> & { readonly [K in Column<P, 'document'>]: string };
type OptionalLineColumns<P extends string> = { readonly [K in Column<P, 'line'>]: number | null } & {
  readonly [K in Column<P, 'text'>]: string | null;
};
type OptionalCitedColumns<P extends string> = OptionalLineColumns<P> & {
  readonly [K in Column<P, 'document'>]: string | null;
};

/** A citation from its parts, for a row whose text column is not named like its line column. */
export function cite(document: string, line: number, text: string): Citation {
  return { document, line, text };
}

/**
 * The citation a row carries in its columns `<prefix>_document`, `<prefix>_line` and
 * `<prefix>_text` (`source_*` unless told; `''` for plain `document`, `line`, `text`). With a
 * `document`, the row carries only the line and text of that document. Where the columns are
 * nullable, a row missing any part has no citation (null).
 */
export function citationOf<P extends string = 'source'>(row: CitedColumns<P>, prefix?: P): Citation;
export function citationOf<P extends string>(row: LineColumns<P>, prefix: P, document: string): Citation;
export function citationOf<P extends string = 'source'>(row: OptionalCitedColumns<P>, prefix?: P): Citation | null;
export function citationOf<P extends string>(row: OptionalLineColumns<P>, prefix: P, document: string): Citation | null;
export function citationOf(row: object, prefix = 'source', document?: string): Citation | null {
  const cells = row as Readonly<Record<string, unknown>>;
  const column = (name: string) => cells[prefix === '' ? name : `${prefix}_${name}`];
  const file = document ?? column('document');
  const line = column('line');
  const text = column('text');
  if (typeof file !== 'string' || typeof line !== 'number' || typeof text !== 'string') return null;
  return { document: file, line, text };
}

export const SOURCES_DIR = `${REPO_ROOT}infra/sources/`;

const documentsByFile = new Map<string, SourceDocument>(SOURCE_DOCUMENTS.map((d) => [d.file, d]));
const linesByFile = new Map<string, readonly string[]>();

export function sourceDocument(file: string): SourceDocument {
  const doc = documentsByFile.get(file);
  if (!doc) throw new Error(`Unknown source document '${file}'`);
  return doc;
}

/** The lines of a source document, 1-based through `line(n)` semantics of editors. */
export function sourceLines(file: string): readonly string[] {
  sourceDocument(file);
  let lines = linesByFile.get(file);
  if (!lines) {
    lines = readFileSync(SOURCES_DIR + file, 'utf8').split('\n');
    linesByFile.set(file, lines);
  }
  return lines;
}

export function sourceLine(file: string, line: number): string | undefined {
  return sourceLines(file)[line - 1];
}

/** Why a citation does not hold, or null when the text stands on that line verbatim. */
export function checkCitation(citation: Citation): string | null {
  if (!documentsByFile.has(citation.document)) return `unknown source document '${citation.document}'`;
  if (!citation.text) return 'empty citation text';
  const actual = sourceLine(citation.document, citation.line);
  if (actual === undefined) return `${citation.document} has no line ${citation.line}`;
  if (!actual.includes(citation.text)) {
    return `${citation.document}:${citation.line} does not contain ${JSON.stringify(citation.text)} (it reads ${JSON.stringify(actual)})`;
  }
  return null;
}
