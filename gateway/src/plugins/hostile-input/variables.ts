import { HubErrorCode } from '@nhs-hub/kit/platform';
import type { HubRequest } from '../../plugin.js';
import type { Refusal } from './refusals.js';

/**
 * graphql-yoga's own test of a content type (isContentTypeMatch): the first of a list, exactly or
 * followed by parameters, case and all. Read any other way, a body Yoga reads as a form could be
 * read here as JSON, and its variables pass unchecked.
 */
function contentTypeIs(request: Pick<HubRequest, 'req'>, expected: string): boolean {
  const first = request.req.headers['content-type']?.split(',')[0];
  return first === expected || first?.startsWith(`${expected};`) === true;
}

/** The content types the runtime reads a POST in (Hive's runtime turns Yoga's multipart off). */
export const POST_TYPES = [
  'application/json',
  'application/graphql+json',
  'application/x-www-form-urlencoded',
  'application/graphql',
];

/**
 * A leading byte-order mark, dropped before reading: some UTF-8 decoders drop it (whatwg-node's
 * keeps it today), so the body is checked as the runtime reads it either way.
 */
const withoutBom = (text: string) => (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);

const notJson = (where: string): Refusal => ({
  status: 400,
  code: HubErrorCode.BAD_REQUEST,
  message: `${where} is not JSON.`,
});

/**
 * Every `variables` parameter of a query string or a form, each JSON (an empty one is absent, as
 * Yoga reads it). Yoga reads the first; all are checked, so no reading of the parameters (with a
 * byte-order mark dropped or not) finds one that was not.
 */
function variablesParameters(params: URLSearchParams, where: string): unknown[] | Refusal {
  const all: unknown[] = [];
  for (const raw of params.getAll('variables')) {
    if (!raw) continue;
    try {
      all.push(JSON.parse(raw));
    } catch {
      return notJson(`The variables parameter of the ${where}`);
    }
  }
  return all;
}

/**
 * The variables of every operation a request carries, read from wherever the runtime will read
 * them (a GET's query string, a JSON body, a form body), or why they cannot be checked: a body or
 * parameter that does not parse is refused here rather than left for the runtime to read some
 * other way (it answered a form's malformed variables with a 500), and a content type the runtime
 * would not read is refused with 415.
 */
export function variablesOf(request: Pick<HubRequest, 'req' | 'body'>): unknown[] | Refusal {
  const { req, body } = request;
  if (req.method === 'GET')
    return variablesParameters(new URL(req.url ?? '/', 'http://localhost').searchParams, 'query string');
  if (req.method !== 'POST') return [];
  const text = withoutBom(body ?? '');
  if (contentTypeIs(request, 'application/json') || contentTypeIs(request, 'application/graphql+json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return notJson('The request body');
    }
    return (Array.isArray(parsed) ? parsed : [parsed]).map((p) =>
      typeof p === 'object' && p !== null && 'variables' in p ? p.variables : undefined,
    );
  }
  if (contentTypeIs(request, 'application/x-www-form-urlencoded'))
    return variablesParameters(new URLSearchParams(text), 'form');
  // A document alone: no variables.
  if (contentTypeIs(request, 'application/graphql')) return [];
  return {
    status: 415,
    code: HubErrorCode.UNSUPPORTED_MEDIA_TYPE,
    message: `A POST to the graph is one of ${POST_TYPES.join(', ')}; this one is ${JSON.stringify(req.headers['content-type'] ?? 'untyped')}. The graph takes no uploads.`,
  };
}
