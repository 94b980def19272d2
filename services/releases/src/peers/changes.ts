import {
  type ChangesPage,
  type Entity,
  type GatewayCall,
  gatewaySignatureFor,
  gatewaySigner,
  HubErrorCode,
  hubError,
  type PeerSubgraphs,
  RELEASE_PATHS,
} from '@nhs-hub/kit/subgraph';
import type { GraphQLError } from 'graphql';
import { z } from 'zod';
import { type FieldChange, type MergedPage, mergePages, type SubgraphPage } from '../domain/feed.js';
import { type Cursor, type Position, type Since, encodeCursor } from '../domain/since.js';

/** A data subgraph slower than this costs its part of the page, not the whole answer. */
const PEER_TIMEOUT_MS = 8_000;

const signers = new Map<string, (call: GatewayCall) => string>();
function signature(secret: string | undefined, url: URL): Record<string, string> {
  if (!secret) return {};
  const sign = signers.get(secret) ?? gatewaySigner(secret);
  signers.set(secret, sign);
  return gatewaySignatureFor(sign, url);
}

/** A page of change records as the kit's route answers it: checked, since it crosses a process boundary. */
const ChangesPageSchema = z.object({
  changes: z.array(
    z.object({
      id: z.number().int(),
      release: z.number().int(),
      at: z.string(),
      table: z.string(),
      key: z.record(z.string(), z.unknown()),
      op: z.enum(['insert', 'update', 'delete']),
      before: z.record(z.string(), z.unknown()).nullable(),
      after: z.record(z.string(), z.unknown()).nullable(),
      source: z
        .object({
          file: z.string(),
          line: z.number().int(),
          document: z
            .string()
            .nullish()
            .transform((v) => v ?? undefined),
          documentLine: z
            .number()
            .int()
            .nullish()
            .transform((v) => v ?? undefined),
        })
        .nullish(),
      entity: z.object({ type: z.enum(['Stp', 'Region']), code: z.string() }).nullish(),
    }),
  ),
  next: z.number().int().nullable(),
});

async function getPage(peers: PeerSubgraphs, subgraph: string, query: URLSearchParams): Promise<ChangesPage> {
  const parsed = ChangesPageSchema.safeParse(await getJson(peers, subgraph, RELEASE_PATHS.changes, query));
  if (!parsed.success) throw new Error('answered a page of changes that is not one');
  return parsed.data;
}

/** One call to a data subgraph's release routes, signed as the gateway signs (its routes answer nothing else in production). */
async function getJson(peers: PeerSubgraphs, subgraph: string, path: string, query: URLSearchParams): Promise<unknown> {
  const base = peers.urls[subgraph];
  if (!base) throw new Error(`no URL for ${subgraph}`);
  const url = new URL(path, base);
  url.search = query.toString();
  const response = await fetch(url, {
    headers: { accept: 'application/json', ...signature(peers.gatewaySecret, url) },
    signal: AbortSignal.timeout(PEER_TIMEOUT_MS),
  });
  if (!response.ok) {
    const text = await response.text().catch(() => '');
    throw new Error(`${response.status} ${text.slice(0, 200)}`);
  }
  return response.json();
}

export interface ChangesRequest {
  readonly since: Since;
  readonly after: Cursor | null;
  readonly subgraphs: readonly string[];
  readonly table?: string | undefined;
  readonly field?: string | undefined;
  readonly entity?: Entity | undefined;
  readonly first: number;
}

export interface ChangesAnswer extends MergedPage {
  readonly endCursor: string;
  readonly nodes: readonly FieldChange[];
  /** One error per data subgraph that did not answer: the page holds the others' changes. */
  readonly problems: readonly GraphQLError[];
}

/** The time a `since: finance.12` starts from in the other subgraphs: when finance.12 landed. */
async function releaseTime(peers: PeerSubgraphs, subgraph: string, release: number): Promise<string> {
  const query = new URLSearchParams({ sinceRelease: String(release - 1), first: '1' });
  const page = await getPage(peers, subgraph, query).catch((error: Error) => {
    throw hubError(
      `${subgraph} did not answer for release ${subgraph}.${release}: ${error.message}`,
      HubErrorCode.SUBREQUEST_HTTP_ERROR,
      {
        extensions: { serviceName: subgraph },
      },
    );
  });
  const found = page.changes[0];
  if (!found || found.release !== release)
    throw hubError(`${subgraph} has no release ${release}`, HubErrorCode.NOT_FOUND, {
      extensions: { argumentName: 'since' },
    });
  return found.at;
}

/**
 * One page of `changes`: one call per data subgraph whatever `first` (each asked for `first` change
 * records, which hold at least `first` field changes between them), merged oldest first.
 */
export async function readChanges(peers: PeerSubgraphs, request: ChangesRequest): Promise<ChangesAnswer> {
  const { since, after, first } = request;
  const sinceTime =
    since.kind === 'time'
      ? since.at
      : since.kind === 'release'
        ? (after?.sinceTime ?? (await releaseTime(peers, since.subgraph, since.release)))
        : undefined;
  const problems: GraphQLError[] = [];
  const pages = await Promise.all(
    request.subgraphs.map(async (subgraph): Promise<SubgraphPage | null> => {
      const position: Position | null = after?.positions[subgraph] ?? null;
      const query = new URLSearchParams({ first: String(first) });
      const sinceRelease =
        since.kind === 'release' && since.subgraph === subgraph
          ? since.release
          : since.kind === 'version'
            ? since.releases[subgraph]
            : undefined;
      if (sinceRelease !== undefined) query.set('sinceRelease', String(sinceRelease));
      else if (sinceTime !== undefined) query.set('sinceTime', sinceTime);
      if (request.table) query.set('table', request.table);
      if (request.entity) query.set('entity', `${request.entity.type}:${request.entity.code}`);
      // A record a page cut in two is read again from its first field (id - 1: ids are whole numbers).
      if (position) query.set('after', String(position.fields > 0 ? position.id - 1 : position.id));
      try {
        const page = await getPage(peers, subgraph, query);
        return { subgraph, changes: page.changes, more: page.next !== null, position };
      } catch (error) {
        problems.push(
          hubError(
            `${subgraph} did not answer for its changes (${(error as Error).message}); they are missing from this page`,
            HubErrorCode.SUBREQUEST_HTTP_ERROR,
            { extensions: { serviceName: subgraph } },
          ),
        );
        return null;
      }
    }),
  );
  const answered = pages.filter((page): page is SubgraphPage => page !== null);
  const merged = mergePages(answered, first, request.field);
  // A subgraph that did not answer keeps its place: the next page asks it again from there.
  const positions: Record<string, Position> = { ...after?.positions, ...merged.positions };
  return {
    ...merged,
    hasNextPage: merged.hasNextPage || problems.length > 0,
    endCursor: encodeCursor({ positions, sinceTime }),
    problems,
  };
}
