import { existsSync } from 'node:fs';
import { DEFAULT_PGLITE_DATA_DIR, type HubDatabase, openDatabase } from '@nhs-hub/kit/db';
import { readEnv } from '@nhs-hub/kit/env';
import { displayPath, redactUrl } from '@nhs-hub/kit/subgraph';
import { checkedInOperations, combinedUsage, type UsageSource } from './governance.js';
import { recordedUsage, USAGE_SCHEMA, type UsageTarget } from './usage.js';

/** Where the field usage the gateway recorded is read from, open. */
export interface UsageDatabase {
  readonly target: UsageTarget;
  /** For people: which database, password hidden. */
  readonly where: string;
  close(): Promise<void>;
}

/**
 * The database `npm run compose`, `npm run schema:check` and `npm run schema:usage` read recorded
 * field usage from: HUB_USAGE_DATABASE_URL (a standalone gateway's), else DATABASE_URL (the hub's
 * under `npm start` on PostgreSQL), else the embedded database `npm start` keeps, when it exists.
 * Null when there is none; an error when one is named but cannot be opened (most often the embedded
 * one while `npm start` holds it).
 */
export async function openUsageDatabase(env = readEnv()): Promise<UsageDatabase | null> {
  const url = env.HUB_USAGE_DATABASE_URL ?? env.DATABASE_URL;
  const pgliteDataDir = env.PGLITE_DATA_DIR ?? DEFAULT_PGLITE_DATA_DIR;
  if (!url && !existsSync(pgliteDataDir)) return null;
  const database: HubDatabase = await openDatabase({ url, pgliteDataDir });
  return {
    target: { db: database.root, schema: USAGE_SCHEMA },
    where: url ? `PostgreSQL (${redactUrl(url)})` : `PGlite (${displayPath(pgliteDataDir)})`,
    close: () => database.close(),
  };
}

/** Said when no usage database is named: what the checks then know of clients. */
export const NO_USAGE_DATABASE = 'no HUB_USAGE_DATABASE_URL, no DATABASE_URL and no embedded database of npm start';

/** Who is known to use what, for a breaking-change check, and what that knowledge covered. */
export interface KnownUsage {
  /** The checked-in operations, and the clients recorded in the window where a usage database is reachable. */
  readonly usage: UsageSource;
  /** What the check knew of clients, for its messages (said once usage was asked for). */
  known(): string;
  close(): Promise<void>;
}

/**
 * The usage compose and schema:check decide breaking changes on: the checked-in operations, and the
 * clients the gateway recorded in the last `days` days. The usage database is opened only when a
 * breaking change asks (a compose without one never touches it), and one that cannot be opened
 * leaves the checked-in operations, said in `warn`: the check stands without it.
 */
export function knownUsage(options: {
  days: number;
  /** Usage already open (tests), or null for none; otherwise the environment's (openUsageDatabase). */
  database?: UsageTarget | null;
  warn: (line: string) => void;
}): KnownUsage {
  const checkedIn = checkedInOperations();
  let opened: UsageDatabase | null = null;
  let known = '';
  let recorded: Promise<UsageSource | null> | null = null;
  const open = async (): Promise<UsageSource | null> => {
    if (options.database === null) {
      known = 'the checked-in operations only';
      return null;
    }
    if (options.database) {
      known = `the checked-in operations and the clients recorded in the last ${options.days} days`;
      return recordedUsage(options.database, options.days);
    }
    try {
      opened = await openUsageDatabase();
    } catch (error) {
      known = `the checked-in operations only (recorded usage not read: ${(error as Error).message})`;
      options.warn(`Recorded field usage not read (${(error as Error).message}); checked-in operations only.`);
      return null;
    }
    if (!opened) {
      known = `the checked-in operations only (${NO_USAGE_DATABASE})`;
      return null;
    }
    known = `the checked-in operations and the clients recorded in ${opened.where} in the last ${options.days} days`;
    return recordedUsage(opened.target, options.days);
  };
  return {
    usage: async (coordinates, context) => {
      const found = await checkedIn(coordinates, context);
      if (!coordinates.length) return found;
      recorded ??= open();
      const source = await recorded;
      return source ? combinedUsage(async () => found, source)(coordinates, context) : found;
    },
    known: () => known,
    close: async () => {
      await opened?.close();
    },
  };
}
