import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { HubErrorCode, hubError, sendErrors } from '@nhs-hub/kit/platform';
import { REPO_ROOT } from '@nhs-hub/kit/repo';
import { z } from 'zod';
import { type HubPlugin, type HubRequest, hubRequestOf } from '../plugin.js';
import { askedFor } from './response-cache/asked-for.js';

/** The manifest `npm run codegen -w @nhs-hub/client` writes for the public operations. */
export const CLIENT_MANIFEST = `${REPO_ROOT}packages/client/src/generated/persisted-documents.json`;

export interface TrustedDocumentsSettings {
  /** Persisted-documents manifests (`{"sha256:<hex>": "<document>"}`), each a registered client's. */
  readonly manifests: readonly string[];
  /**
   * Whether the explorer's own requests (from its page at /graphql on this gateway) may run any
   * document: a developer's tool, on outside production only.
   */
  readonly explorer: boolean;
}

const Manifest = z.record(z.string().regex(/^(sha256:)?[0-9a-f]{64}$/), z.string().min(1));

/** The documents of the manifests by sha256 (hex, no prefix); each hash checked against its document. */
export function readManifests(paths: readonly string[]): Map<string, string> {
  const documents = new Map<string, string>();
  for (const path of paths) {
    const parsed = Manifest.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    if (!parsed.success)
      throw new Error(`Invalid persisted-documents manifest ${path}: ${z.prettifyError(parsed.error)}`);
    for (const [key, document] of Object.entries(parsed.data)) {
      const hash = key.replace(/^sha256:/, '');
      if (sha256(document) !== hash) throw new Error(`${path}: ${key} is not the sha256 of its document`);
      documents.set(hash, document);
    }
  }
  return documents;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const refusal = (what: string) =>
  `${what} is not a trusted document: this gateway runs only the operations of its registered persisted-documents manifests (HUB_TRUSTED_DOCUMENTS=on). Send a registered operation's hash as extensions.persistedQuery.sha256Hash or documentId, or its document exactly as the manifest holds it.`;

/** A request from the explorer's page on this gateway: its Referer is this host's /graphql. */
function fromExplorer(req: IncomingMessage): boolean {
  const referer = req.headers.referer;
  if (!referer || !req.headers.host) return false;
  try {
    const url = new URL(referer);
    return url.host === req.headers.host && url.pathname === '/graphql';
  } catch {
    return false;
  }
}

/**
 * Trusted documents (HUB_TRUSTED_DOCUMENTS=on): only the operations of registered manifests run,
 * asked for by hash (`extensions.persistedQuery.sha256Hash`, or `documentId`, as `sha256:<hex>`
 * or bare hex) or sent as the very text the manifest holds. Anything else answers 400
 * TRUSTED_DOCUMENT_REQUIRED before it is parsed, so a public gateway plans no document its
 * clients did not ship. The gateway's exports send their own documents and are not asked.
 */
export function trustedDocumentsPlugin(settings: TrustedDocumentsSettings | undefined): HubPlugin {
  if (!settings) return { name: 'trusted-documents' };
  const documents = readManifests(settings.manifests);
  const exempt = (hub: HubRequest) => hub.path.startsWith('/exports/') || (settings.explorer && fromExplorer(hub.req));

  const gate: GatewayPlugin = {
    onParams: ({ params, setParams, context }) => {
      const hub = hubRequestOf(context);
      if (hub && exempt(hub)) return;
      const extensions = params.extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined;
      const asked = (params as { documentId?: unknown }).documentId ?? extensions?.persistedQuery?.sha256Hash;
      if (typeof asked === 'string') {
        const hash = asked.replace(/^sha256:/, '');
        const document = documents.get(hash);
        if (document === undefined)
          throw hubError(refusal(`The hash ${asked}`), HubErrorCode.TRUSTED_DOCUMENT_REQUIRED, {
            extensions: { http: { status: 400 } },
          });
        // The manifest's text, whatever was sent beside the hash; automatic persisted queries then
        // have nothing to register.
        const { persistedQuery: _persisted, ...others } = extensions ?? {};
        // documentId is not a parameter the runtime knows: it would refuse the request for it.
        const { documentId: _id, ...rest } = params as typeof params & { documentId?: unknown };
        setParams({ ...rest, query: document, extensions: others });
        return;
      }
      if (typeof params.query === 'string' && documents.has(sha256(params.query))) return;
      throw hubError(refusal('This document'), HubErrorCode.TRUSTED_DOCUMENT_REQUIRED, {
        extensions: { http: { status: 400 } },
      });
    },
  };

  return {
    name: 'trusted-documents',
    // A response-cache hit never reaches the runtime: an untrusted document is refused before it.
    async frontDoor(request, next) {
      if (exempt(request)) return next();
      const asked = askedFor(request);
      if (!asked || documents.has(asked.documentHash)) return next();
      sendErrors(request.req, request.res, 400, [
        {
          message: refusal(`The document sha256:${asked.documentHash}`),
          extensions: { code: HubErrorCode.TRUSTED_DOCUMENT_REQUIRED, requestId: request.requestId },
        },
      ]);
    },
    runtime: [gate],
  };
}
