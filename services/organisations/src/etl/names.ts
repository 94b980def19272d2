import type { FlagShape } from '@nhs-hub/kit/subgraph';

/**
 * Titles written before a name. Kept in the name as written; separated here so searches and
 * sorting can ignore them.
 */
export const HONORIFIC_PREFIXES = [
  'Sir',
  'Dame',
  'Lord',
  'Lady',
  'Baroness',
  'Baron',
  'Professor',
  'Prof',
  'Dr',
  'Mr',
  'Mrs',
  'Ms',
  'Miss',
] as const;

/** Honours and qualifications written after a name. */
export const POST_NOMINALS = ['KBE', 'DBE', 'CBE', 'OBE', 'MBE', 'FRCP', 'FRCS', 'FRCGP', 'FMedSci', 'PhD'] as const;

export interface ParsedName {
  /** Exactly as the source writes it. */
  readonly name: string;
  readonly honorificPrefix: string | null;
  readonly givenName: string;
  readonly familyName: string | null;
  readonly postNominals: string | null;
  readonly nameWithoutHonorifics: string;
  readonly flags: FlagShape[];
}

const prefixes = new Set<string>(HONORIFIC_PREFIXES);
const postNominals = new Set<string>(POST_NOMINALS);
const bare = (token: string) => token.replace(/[.,]+$/, '');

/**
 * Splits a name as written into honorifics, given and family name, and post-nominals, without
 * changing a letter of it: "Sir Andrew Cash OBE" gives Sir / Andrew / Cash / OBE. The family name is
 * everything after the given name, so double-barrelled and multi-word surnames stay whole.
 */
export function parsePersonName(name: string): ParsedName {
  const tokens = name.trim().split(/\s+/).filter(Boolean);
  let start = 0;
  while (start < tokens.length - 1 && prefixes.has(bare(tokens[start] ?? ''))) start += 1;
  let end = tokens.length;
  while (end > start + 1 && postNominals.has(bare(tokens[end - 1] ?? ''))) end -= 1;
  const core = tokens.slice(start, end).map((t, i, all) => (i === all.length - 1 ? t.replace(/,$/, '') : t));
  const [givenName = '', ...family] = core;
  const flags: FlagShape[] = [];
  const lower = core.filter((t) => /^\p{Ll}/u.test(t));
  if (lower.length) {
    flags.push({
      code: 'NAME_CASING',
      explanation: `The source writes ${lower.map((t) => `"${t}"`).join(', ')} in lower case; the name is kept exactly as written.`,
    });
  }
  return {
    name,
    honorificPrefix: start > 0 ? tokens.slice(0, start).join(' ') : null,
    givenName,
    familyName: family.length ? family.join(' ') : null,
    postNominals: end < tokens.length ? tokens.slice(end).map(bare).join(' ') : null,
    nameWithoutHonorifics: core.join(' '),
    flags,
  };
}

/**
 * A stable, URL-safe id from a name: lower case, "&" as "and", apostrophes dropped, other runs of
 * non-letters as "-".
 */
export function slugify(text: string): string {
  return text
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/['’]/g, '')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}
