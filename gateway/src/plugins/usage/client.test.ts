import { describe, expect, it } from 'vitest';
import { CLIENT_FIELD_MAX } from '../../usage.js';
import { clientOf } from './client.js';

describe('the client a request names', () => {
  it("is read from GraphQL's client headers, else Apollo's, trimmed", () => {
    expect(clientOf({ 'graphql-client-name': ' dashboard ', 'graphql-client-version': '2.1.0' })).toEqual({
      name: 'dashboard',
      version: '2.1.0',
    });
    expect(clientOf({ 'apollographql-client-name': 'finance-report', 'apollographql-client-version': '7' })).toEqual({
      name: 'finance-report',
      version: '7',
    });
    expect(clientOf({ 'graphql-client-name': 'dashboard', 'apollographql-client-name': 'finance-report' }).name).toBe(
      'dashboard',
    );
  });

  it('is "unknown" without a name, and never longer than a column holds', () => {
    expect(clientOf({})).toEqual({ name: 'unknown', version: '' });
    expect(clientOf({ 'graphql-client-name': '   ' })).toEqual({ name: 'unknown', version: '' });
    expect(clientOf({ 'graphql-client-name': 'x'.repeat(5_000) }).name).toHaveLength(CLIENT_FIELD_MAX);
  });
});
