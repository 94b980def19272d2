import { HubErrorCode, hubError } from './errors.js';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The `Date` scalar's parser: an ISO 8601 calendar date that exists. Shared by every subgraph's
 * schema and the gateway's, so a malformed `$asOf` is refused the same way, and first at the gateway.
 */
export function parseIsoDate(value: unknown): string {
  if (typeof value !== 'string' || !ISO_DATE.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
    throw hubError(
      `Date must be an ISO 8601 calendar date such as "2018-06-01"; got ${JSON.stringify(value)}`,
      HubErrorCode.BAD_USER_INPUT,
    );
  }
  // Date.parse rolls 2018-02-30 over to March; a round trip catches it.
  if (new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) !== value) {
    throw hubError(`Date ${JSON.stringify(value)} does not exist`, HubErrorCode.BAD_USER_INPUT);
  }
  return value;
}
