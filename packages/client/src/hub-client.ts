import { ApolloClient, type DocumentNode, HttpLink, InMemoryCache } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { typePolicies } from './type-policies.js';
import { CLIENT_VERSION } from './version.js';

/**
 * Who this package is, as the gateway's field-usage records name it: `npm run schema:usage` and
 * the breaking-change check list clients by these. An application should name itself instead.
 */
export const CLIENT_NAME = '@nhs-hub/client';
// package.json's version, written beside it by `npm run compose` (a test keeps the two in step).
export { CLIENT_VERSION };

/** The headers that name a client to the hub, for callers that do not use Apollo Client. */
export function clientHeaders(name: string = CLIENT_NAME, version: string = CLIENT_VERSION): Record<string, string> {
  return { 'graphql-client-name': name, 'graphql-client-version': version };
}

export interface HubClientOptions {
  /** The gateway's /graphql URL. */
  readonly uri: string;
  /** The application's own name and version; this package's unless given. */
  readonly name?: string;
  readonly version?: string;
  readonly fetch?: typeof fetch;
  readonly headers?: Record<string, string>;
  /**
   * Send each operation by its hash from the persisted-documents manifest, never its text: for a
   * gateway with HUB_TRUSTED_DOCUMENTS=on. Only this package's generated documents carry a hash.
   */
  readonly trustedDocuments?: boolean;
}

/** The manifest hash codegen embedded in a generated document (`__meta__.hash`, `sha256:<hex>`). */
export function documentHash(document: DocumentNode): string {
  const hash = (document as DocumentNode & { __meta__?: { hash?: unknown } }).__meta__?.hash;
  const name = document.definitions.find((d) => d.kind === 'OperationDefinition')?.name?.value ?? 'anonymous';
  if (typeof hash !== 'string')
    throw new Error(`Operation ${name} is not in @nhs-hub/client's persisted-documents manifest: it has no hash`);
  // Apollo's protocol carries the bare hex; the gateway takes either.
  return hash.replace(/^sha256:/, '');
}

/**
 * Apollo Client set up for the hub: the exported type policies, and every request naming its
 * client (GraphQL's client headers, and Apollo's through its client awareness), so the hub can say
 * who uses a field before it is changed.
 */
export function createHubClient(options: HubClientOptions): ApolloClient {
  const name = options.name ?? CLIENT_NAME;
  const version = options.version ?? CLIENT_VERSION;
  const http = new HttpLink({
    uri: options.uri,
    fetch: options.fetch,
    headers: { ...clientHeaders(name, version), ...options.headers },
  });
  return new ApolloClient({
    link: options.trustedDocuments ? new PersistedQueryLink({ generateHash: documentHash }).concat(http) : http,
    cache: new InMemoryCache({ typePolicies }),
    clientAwareness: { name, version },
  });
}
