import { createHash } from 'node:crypto';
import type { HubRequest } from '../../plugin.js';

/** What a request asks, read off the wire as the runtime will read it, before anything is parsed. */
export interface AskedFor {
  /** sha256 of the document, or the persisted-query hash that stands for it. */
  readonly documentHash: string;
  readonly operationName: string | null;
  readonly variables: Record<string, unknown> | null;
}

const SHA256 = /^[0-9a-f]{64}$/;

const objectOrNull = (value: unknown): Record<string, unknown> | null | undefined =>
  value === undefined || value === null
    ? null
    : typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;

/** The parameters of a GET's query string or a JSON POST's body, unchecked; undefined for anything else. */
export function requestParams(request: Pick<HubRequest, 'req' | 'body'>): Record<string, unknown> | undefined {
  const { req, body } = request;
  try {
    if (req.method === 'POST' && req.headers['content-type']?.startsWith('application/json') && body)
      return objectOrNull(JSON.parse(body)) ?? undefined;
    if (req.method === 'GET') {
      const search = new URL(req.url ?? '/', 'http://localhost').searchParams;
      const json = (name: string) => (search.has(name) ? JSON.parse(search.get(name) ?? '') : undefined);
      return {
        query: search.get('query') ?? undefined,
        operationName: search.get('operationName') ?? undefined,
        variables: json('variables'),
        extensions: json('extensions'),
      };
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/** What a GET's query string or a JSON POST's body asks for; undefined for anything else. */
export function askedFor(request: Pick<HubRequest, 'req' | 'body'>): AskedFor | undefined {
  const params = requestParams(request);
  if (!params) return undefined;
  const { query, operationName, variables, extensions } = params;
  const vars = objectOrNull(variables);
  const persisted = objectOrNull(objectOrNull(extensions)?.persistedQuery);
  if (vars === undefined || (operationName != null && typeof operationName !== 'string')) return undefined;
  const hash = persisted?.sha256Hash;
  const documentHash =
    typeof query === 'string' ? createHash('sha256').update(query).digest('hex') : typeof hash === 'string' ? hash : '';
  // A document sent with its hash registers it (automatic persisted queries): the runtime must see
  // it, once per document and client, or later requests by hash alone would not be understood.
  if (typeof query === 'string' && hash !== undefined) return undefined;
  if (!SHA256.test(documentHash)) return undefined;
  return { documentHash, operationName: operationName ?? null, variables: vars };
}
