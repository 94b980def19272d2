/**
 * The typed client of the NHS region data hub: the public operations as typed documents
 * (generated from schema/operations by GraphQL Code Generator's client preset), the graph's scalar
 * types, and the Apollo Client cache policies that normalise the graph's entities.
 */
export * from './generated/graphql.js';
export type { Date, Decimal, Scalars } from './scalars.js';
export { stpsPaging, typePolicies } from './type-policies.js';
export {
  CLIENT_NAME,
  CLIENT_VERSION,
  clientHeaders,
  createHubClient,
  documentHash,
  type HubClientOptions,
} from './hub-client.js';
