import type { IncomingHttpHeaders } from 'node:http';
import { CLIENT_FIELD_MAX, UNKNOWN_CLIENT } from '../../usage.js';

const headerOf = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  return text?.trim() ? text.trim().slice(0, CLIENT_FIELD_MAX) : undefined;
};

/** The caller's name and version, from GraphQL's client headers or Apollo's. */
export function clientOf(headers: IncomingHttpHeaders): { name: string; version: string } {
  return {
    name: headerOf(headers, 'graphql-client-name') ?? headerOf(headers, 'apollographql-client-name') ?? UNKNOWN_CLIENT,
    version: headerOf(headers, 'graphql-client-version') ?? headerOf(headers, 'apollographql-client-version') ?? '',
  };
}
