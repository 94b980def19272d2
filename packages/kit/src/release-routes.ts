import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Kysely } from 'kysely';
import { HubErrorCode } from './platform/errors.js';
import { sendJson } from './platform/server.js';
import { changesSince, dataVersion, type Entity, listReleases } from './releases.js';

/** Where a subgraph answers for its releases: the gateway and the releases subgraph read these, never its tables. */
export const RELEASE_PATHS = {
  version: '/releases/version',
  changes: '/releases/changes',
  list: '/releases/list',
} as const;

/** What `GET /releases/version` answers: the subgraph's latest release (null before its first). */
export interface SubgraphDataVersion {
  readonly subgraph: string;
  readonly release: number | null;
  readonly at: string | null;
}

const INTEGER = /^\d{1,15}$/;
const TABLE = /^[a-z_][a-z0-9_]{0,62}$/;
/** `Stp:QJM` or `Region:Y56`: the STP or region whose rows' changes are wanted. */
const ENTITY = /^(Stp|Region):([A-Z0-9]{1,12})$/;

function badRequest(res: ServerResponse, message: string): void {
  sendJson(res, 400, { errors: [{ message, extensions: { code: HubErrorCode.BAD_USER_INPUT } }] });
}

/**
 * The subgraph's release routes, answered by its own server behind the same gateway signature as
 * its GraphQL: `version` (one indexed read), `changes` (one page of change records after a release
 * or time, `changesSince`: 2 statements whatever the page) and `list` (its latest releases).
 * Returns false for any other path, for the GraphQL handler to answer.
 */
export function releaseRoutes<DB, VersionDB = DB>(
  subgraph: string,
  db: Kysely<DB>,
  /**
   * Where `version` reads, when not `db`: the same schema without the request SQL counter. Every
   * gateway asks for it every few seconds on its own, and that read is no request's statement.
   */
  versionDb?: Kysely<VersionDB>,
): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://subgraph');
    const path = url.pathname;
    if (path !== RELEASE_PATHS.version && path !== RELEASE_PATHS.changes && path !== RELEASE_PATHS.list) return false;
    if (req.method !== 'GET') {
      res.setHeader('allow', 'GET');
      sendJson(res, 405, {
        errors: [{ message: `${path} answers GET only`, extensions: { code: 'METHOD_NOT_ALLOWED' } }],
      });
      return true;
    }
    res.setHeader('cache-control', 'no-store');
    if (path === RELEASE_PATHS.version) {
      const latest = versionDb ? await dataVersion(versionDb) : await dataVersion(db);
      const version: SubgraphDataVersion = { subgraph, ...latest };
      sendJson(res, 200, version);
      return true;
    }
    const query = url.searchParams;
    const numbers: Record<string, number | undefined> = {};
    for (const name of ['sinceRelease', 'after', 'first', 'limit']) {
      const value = query.get(name);
      if (value === null || value === '') continue;
      if (!INTEGER.test(value)) {
        badRequest(res, `${name} must be a whole number; got ${JSON.stringify(value.slice(0, 40))}`);
        return true;
      }
      numbers[name] = Number(value);
    }
    if (path === RELEASE_PATHS.list) {
      sendJson(res, 200, {
        subgraph,
        releases: await listReleases(db, { limit: Math.min(numbers.limit ?? 100, 1_000) }),
      });
      return true;
    }
    const sinceTime = query.get('sinceTime') ?? undefined;
    if (sinceTime !== undefined && Number.isNaN(Date.parse(sinceTime))) {
      badRequest(res, `sinceTime must be an ISO 8601 time; got ${JSON.stringify(sinceTime.slice(0, 40))}`);
      return true;
    }
    const table = query.get('table') ?? undefined;
    if (table !== undefined && !TABLE.test(table)) {
      badRequest(res, `table must be a table name such as stp_finance; got ${JSON.stringify(table.slice(0, 40))}`);
      return true;
    }
    const entityParam = query.get('entity') ?? undefined;
    const entity = entityParam === undefined ? undefined : ENTITY.exec(entityParam);
    if (entity === null) {
      badRequest(
        res,
        `entity must be Stp:<ODS code> or Region:<ODS code>; got ${JSON.stringify(entityParam?.slice(0, 40))}`,
      );
      return true;
    }
    const page = await changesSince(db, {
      ...(entity?.[1] && entity[2] ? { entity: { type: entity[1] as Entity['type'], code: entity[2] } } : {}),
      ...(numbers.sinceRelease !== undefined ? { sinceRelease: numbers.sinceRelease } : {}),
      ...(sinceTime !== undefined ? { sinceTime: new Date(sinceTime).toISOString() } : {}),
      ...(table !== undefined ? { table } : {}),
      ...(numbers.after !== undefined ? { after: numbers.after } : {}),
      first: numbers.first ?? 100,
    });
    sendJson(res, 200, { subgraph, ...page });
    return true;
  };
}
