// npm run revert -- <subgraph>/<release> [--schema=<name>]
// Undoes one release in one transaction (rows it inserted deleted, rows it deleted put back, columns
// it updated given their old values), recorded as a release of its own. Refused, naming the rows,
// when a later release changed any of the same rows.
import '@nhs-hub/kit/telemetry';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ALL_DATA_KEY, announceRelease } from '@nhs-hub/kit/cache-purge';
import { type HubDatabase, readEnv, ReleaseError, revertRelease, withCommandDatabase } from '@nhs-hub/kit/subgraph';
import { readGraphConfig } from '../gateway/src/config.js';
import { parseReleaseRef } from './releases.js';

export const USAGE = 'usage: npm run revert -- <subgraph>/<release> [--schema=<name>]   (npm run releases lists them)';

export interface RevertCommandOptions {
  readonly database?: HubDatabase;
  readonly stdout?: (line: string) => void;
  readonly stderr?: (line: string) => void;
}

export async function runRevertCommand(argv: readonly string[], options: RevertCommandOptions = {}): Promise<number> {
  const out = options.stdout ?? ((line: string) => console.log(line));
  const err = options.stderr ?? ((line: string) => console.error(line));
  const env = readEnv();
  const schemaArg = argv.find((a) => a.startsWith('--schema='))?.slice('--schema='.length) ?? env.HUB_SCHEMA;
  const unknown = argv.find((a) => a.startsWith('--') && !a.startsWith('--schema='));
  const [text, ...extra] = argv.filter((a) => !a.startsWith('--'));
  const ref = text ? parseReleaseRef(text) : null;
  if (!ref || extra.length || unknown) {
    err(USAGE);
    return 2;
  }
  // Releases are recorded by the subgraphs with tables; `releases` ("data": false) has none.
  const entries = readGraphConfig().filter((e) => e.data !== false);
  if (!entries.some((e) => e.name === ref.subgraph)) {
    err(`No subgraph '${ref.subgraph}' in schema/subgraphs.json (have: ${entries.map((e) => e.name).join(', ')})`);
    return 2;
  }
  return withCommandDatabase(options.database, err, async (database) => {
    try {
      const scoped = database.forSchema(schemaArg ?? ref.subgraph).db;
      const outcome = await revertRelease(scoped, ref.release);
      const { inserted, updated, deleted } = outcome.counts;
      out(
        `Reverted ${ref.subgraph}/${ref.release} as release ${ref.subgraph}/${outcome.release}: ${inserted} row(s) put back, ${updated} updated, ${deleted} deleted.`,
      );
      // The rows are committed: cached answers from before the revert must not be served after it.
      for (const line of await announceRelease(env, scoped, ref.subgraph, outcome.release, [ALL_DATA_KEY])) err(line);
      return 0;
    } catch (error) {
      if (error instanceof ReleaseError) {
        err(error.message);
        return 1;
      }
      throw error;
    }
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await runRevertCommand(process.argv.slice(2));
}
