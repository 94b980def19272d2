/**
 * The hub's data version as one string: every subgraph's latest release, by subgraph name,
 * `finance.12-geography.3-workforce.7` (`.0` before a subgraph's first release). The gateway puts
 * it on every answer (X-Hub-Data-Version, `extensions.dataVersion`); a client that sends it back
 * (`changes(since:)`) is read with `parseDataVersion`. ETag-safe: letters, digits, `_`, `.`, `-`.
 */

/** The version before any subgraph has answered with one. */
export const NO_DATA_VERSION = 'none';

/** The vector as one string, ordered by subgraph name, so every gateway writes the same one. */
export function formatDataVersion(releases: Readonly<Record<string, { readonly release: number | null }>>): string {
  const parts = Object.keys(releases)
    .sort()
    .map((name) => `${name}.${releases[name]?.release ?? 0}`);
  return parts.length ? parts.join('-') : NO_DATA_VERSION;
}

/** The release of each subgraph a version names; null for anything that is not a version. */
export function parseDataVersion(version: string): Record<string, number> | null {
  if (version === NO_DATA_VERSION) return {};
  const releases: Record<string, number> = {};
  for (const part of version.split('-')) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)\.(\d{1,15})$/.exec(part);
    if (!match?.[1] || match[2] === undefined || Object.hasOwn(releases, match[1])) return null;
    releases[match[1]] = Number(match[2]);
  }
  return releases;
}
