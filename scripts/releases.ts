// npm run releases -- [<subgraph>...] [--show=<subgraph>/<release>] [--limit=<n>] [--schema=<name>]
// Lists the releases (seeds, loads, deletes, replaces, reverts) of every subgraph, or of those named,
// newest first: id, time, actor, kind, tables, files with their sha256, and counts. --show prints
// one release's changed rows, old → new, column by column, with the file and line each came from.
import '@nhs-hub/kit/telemetry';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  formatChange,
  type HubDatabase,
  listReleases,
  type Release,
  readEnv,
  releaseChanges,
  withCommandDatabase,
} from '@nhs-hub/kit/subgraph';
import { readGraphConfig } from '../gateway/src/config.js';

export const USAGE =
  'usage: npm run releases -- [<subgraph>...] [--show=<subgraph>/<release>] [--limit=<n>] [--schema=<name>]';

export interface ReleasesCommandOptions {
  readonly database?: HubDatabase;
  readonly stdout?: (line: string) => void;
  readonly stderr?: (line: string) => void;
}

/** `workforce/12` (or `workforce:12`): a subgraph's release, as the list and the load print it. */
export function parseReleaseRef(text: string): { subgraph: string; release: number } | null {
  const match = /^([a-z][a-z0-9_]*)[/:#](\d+)$/.exec(text);
  return match?.[1] && match[2] ? { subgraph: match[1], release: Number(match[2]) } : null;
}

export function formatRelease(subgraph: string, r: Release): string {
  const counts = `${r.counts.inserted} inserted, ${r.counts.updated} updated, ${r.counts.deleted} deleted${r.counts.kept ? `, ${r.counts.kept} kept` : ''}`;
  const files = r.files.map((f) => `${f.path} sha256:${f.sha256.slice(0, 12)}`).join(', ');
  const links = [
    r.reverts !== null ? `reverts ${subgraph}/${r.reverts}` : '',
    r.revertedBy !== null ? `reverted by ${subgraph}/${r.revertedBy}` : '',
  ].filter(Boolean);
  return `${`${subgraph}/${r.id}`.padEnd(16)} ${r.at}  ${r.kind.padEnd(7)} ${r.actor}  [${r.tables.join(', ')}] ${counts}${files ? `; files ${files}` : ''}${links.length ? `; ${links.join(', ')}` : ''}`;
}

export async function runReleasesCommand(
  argv: readonly string[],
  options: ReleasesCommandOptions = {},
): Promise<number> {
  const out = options.stdout ?? ((line: string) => console.log(line));
  const err = options.stderr ?? ((line: string) => console.error(line));
  const env = readEnv();
  const flag = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const unknown = argv.find((a) => a.startsWith('--') && !/^--(show|limit|schema)=/.test(a));
  const limitText = flag('limit');
  const limit = limitText === undefined ? 20 : Number(limitText);
  const show = flag('show');
  const ref = show === undefined ? null : parseReleaseRef(show);
  const names = argv.filter((a) => !a.startsWith('--'));
  // Releases are recorded by the subgraphs with tables; `releases` ("data": false) has none.
  const entries = readGraphConfig().filter((e) => e.data !== false);
  const known = new Set(entries.map((e) => e.name));
  const stranger = [...names, ...(ref ? [ref.subgraph] : [])].find((n) => !known.has(n));
  if (unknown || !Number.isInteger(limit) || limit < 1 || (show !== undefined && !ref) || stranger) {
    err(stranger ? `No subgraph '${stranger}' in schema/subgraphs.json (have: ${[...known].join(', ')})` : USAGE);
    return 2;
  }
  const schemaArg = flag('schema') ?? env.HUB_SCHEMA;
  const subgraphs = ref ? [ref.subgraph] : names.length ? names : entries.map((e) => e.name);
  if (schemaArg && subgraphs.length > 1) {
    err(`--schema names one schema: give one subgraph with it\n${USAGE}`);
    return 2;
  }
  return withCommandDatabase(options.database, err, async (database) => {
    if (ref) {
      const scoped = database.forSchema(schemaArg ?? ref.subgraph).db;
      const release = (await listReleases(scoped)).find((r) => r.id === ref.release);
      if (!release) {
        err(`There is no release ${ref.subgraph}/${ref.release}`);
        return 1;
      }
      out(formatRelease(ref.subgraph, release));
      for (const change of await releaseChanges(scoped, ref.release)) {
        const from = change.source
          ? `  (${change.source.file}:${change.source.line}${change.source.document ? `, citing ${change.source.document}:${change.source.documentLine}` : ''})`
          : '';
        out(`  ${formatChange(change)}${from}`);
      }
      return 0;
    }
    for (const subgraph of subgraphs) {
      const releases = await listReleases(database.forSchema(schemaArg ?? subgraph).db, { limit });
      if (releases.length === 0) out(`${subgraph}: no releases yet`);
      for (const release of releases) out(formatRelease(subgraph, release));
    }
    return 0;
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await runReleasesCommand(process.argv.slice(2));
}
