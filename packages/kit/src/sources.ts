import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

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

export const SOURCE_DOCUMENTS = [
  {
    file: 'seeds/000_647e8cd618725ea4.txt',
    title:
      "Lincolnshire STP update for Governing Bodies and Trust Boards, with NHS England and NHS Improvement's letters 'NHS Regional Geographies' (9 May 2018, Annex A) and 'working closer together' (27 March 2018)",
    publisher: 'Lincolnshire Sustainability and Transformation Partnership',
    published: '2018-06-01',
    description:
      "Lincolnshire's case for change, its seven priorities, the proposed Midlands and Central & East regions, Annex A key facts",
  },
  {
    file: 'seeds/001_cbad4f5854a175db.txt',
    title: 'Proposals to increase joint working between NHS England and NHS Improvement (board paper PB.29.03.2018/07)',
    publisher: 'NHS England',
    published: '2018-03-29',
    description: 'The move to seven integrated regional teams, each under one regional director',
  },
  {
    file: 'seeds/002_5ca6f18803646174.txt',
    title: 'STPs tracker',
    publisher: 'Association of British HealthTech Industries (ABHI)',
    published: '2018',
    description:
      'One section per STP: population, lead, focuses, considerations, financial gap by 2020/21, savings, capital, ICS status',
  },
  {
    file: 'seeds/004_76447a4d1bef46a3.txt',
    title: 'Next steps on STPs and the 2017-2019 NHS planning round',
    publisher: 'NHS England and NHS Improvement',
    published: '2016-12-12',
    description: 'National programmes and transformation funding, planning dates',
  },
  {
    file: 'reference/stps-2019.csv',
    title: 'STPs of April 2019 with ONS and ODS codes and their regions (2018/19 and from April 2019)',
    publisher: 'Office for National Statistics (Open Geography) and NHS Digital ODS',
    published: '2019-04',
    description: 'The 42 STPs of April 2019',
  },
  {
    file: 'reference/stp-code-history.csv',
    title: 'STP footprints closed or re-coded before April 2019',
    publisher: 'Office for National Statistics (Open Geography) and NHS Digital ODS change log',
    published: '2019-04',
    description: 'Closures, boundary fixes and the 2018-06-07 merger into Cumbria and North East (QHM)',
  },
  {
    file: 'reference/nhs-england-regions.csv',
    title: 'NHS England regions 2012-2019 with codes and validity dates',
    publisher: 'Office for National Statistics (Open Geography) and NHS Digital ODS',
    published: '2019-04',
    description: 'All ten regions, with certainty of each date',
  },
  {
    file: 'reference/README.md',
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

export const SOURCES_DIR = fileURLToPath(new URL('../../../infra/sources/', import.meta.url));

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
