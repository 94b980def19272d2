import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import type { APQStore } from '@graphql-yoga/plugin-apq';
import type { DocumentNode } from 'graphql';
import type { HubPlugin } from '../plugin.js';
import { ByteBoundedCache, isYogaParseCache } from './bounded-caches/byte-bounded-cache.js';

/**
 * Bytes each of the runtime's caches may hold. A parsed document costs about 90 bytes of heap per
 * character of its text (graphql-js keeps every token, linked, for locations: measured 3.2 MB for a
 * 36 kB document); the runtime's own parse cache counted entries (1,024 for an hour), so 2,500
 * distinct 45 kB documents held 4 GB.
 */
export const CACHE_BYTES = {
  /** Parsed documents (and, through them, their validation results): some 240 of the public operations' size. */
  documents: 32 * 2 ** 20,
  /** Persisted-query texts by hash (APQ). */
  persistedQueries: 8 * 2 ** 20,
} as const;

/** Heap bytes per character of a parsed document's text, measured (see CACHE_BYTES). */
const PARSED_BYTES_PER_CHAR = 90;

/**
 * Every cache of the runtime sized in bytes: parsed documents (replacing Yoga's cache of 1,024
 * entries, which Hive's runtime does not let one size) and APQ texts; a document refused by a
 * limit (its parse failed, or its validation) is dropped from both, and its error never kept.
 */
export function boundedCachesPlugin(bytes: typeof CACHE_BYTES = CACHE_BYTES): HubPlugin & {
  readonly documents: ByteBoundedCache<DocumentNode>;
  readonly persistedQueries: ByteBoundedCache<string> & APQStore;
  /** Drops a document refused after validation (demand control) from the parse cache. */
  readonly forget: (document: DocumentNode) => void;
} {
  const documents = new ByteBoundedCache<DocumentNode>(
    bytes.documents,
    (_, text) => text.length * (PARSED_BYTES_PER_CHAR + 2),
  );
  const textOf = new WeakMap<DocumentNode, string>();
  /** Validations that passed, by the rules they ran and the document: a refusal is never kept. */
  const validated = new Map<string, WeakSet<DocumentNode>>();
  const forget = (document: DocumentNode) => {
    const text = textOf.get(document);
    if (text !== undefined) documents.delete(text);
  };
  const persistedQueries = new ByteBoundedCache<string>(
    bytes.persistedQueries,
    (text, hash) => (text.length + hash.length) * 2,
  );
  const hashOf = (params: unknown): string | undefined => {
    const extensions = (params as { extensions?: { persistedQuery?: { sha256Hash?: unknown } } } | undefined)
      ?.extensions;
    const hash = extensions?.persistedQuery?.sha256Hash;
    return typeof hash === 'string' ? hash : undefined;
  };

  // Yoga's own plugin, re-done with the byte-bounded cache: a parse refused (the token limit) is not
  // kept, nor a validation that failed, and the document it failed leaves the cache.
  const parseCache: GatewayPlugin = {
    onParse: ({ params, setParsedDocument, context }) => {
      const text = params.source.toString();
      const hit = documents.get(text);
      if (hit) {
        setParsedDocument(hit);
        return;
      }
      const hash = hashOf((context as { params?: unknown }).params);
      return ({ result }) => {
        if (result instanceof Error) {
          if (hash) persistedQueries.delete(hash);
        } else if (result) {
          textOf.set(result, text);
          documents.set(text, result);
        }
      };
    },
    onValidate: ({ params: { documentAST, rules }, setResult, setValidationFn, validateFn, context }) => {
      const key = (rules as readonly { name: string }[] | undefined)?.map((rule) => rule.name).join(',') ?? '';
      let passed = validated.get(key);
      if (!passed) {
        passed = new WeakSet();
        validated.set(key, passed);
      }
      if (passed.has(documentAST)) {
        setResult([]);
        return;
      }
      const hash = hashOf((context as { params?: unknown }).params);
      const refused = () => {
        forget(documentAST);
        if (hash) persistedQueries.delete(hash);
      };
      // graphql-armor's rules throw their refusal rather than report it: no after-hook sees those.
      setValidationFn((...args) => {
        try {
          return validateFn(...args);
        } catch (error) {
          refused();
          throw error;
        }
      });
      return ({ result }) => {
        if (!result.length) return void passed.add(documentAST);
        refused();
      };
    },
  };
  const plugin: GatewayPlugin = {
    onPluginInit: ({ plugins }) => {
      const at = plugins.findIndex(isYogaParseCache);
      // A runtime upgrade that moved it would otherwise leave the cache of entries in place, silently.
      if (at < 0)
        throw new Error("bounded-caches: Yoga's parse cache plugin was not found among the runtime's plugins");
      plugins.splice(at, 1, parseCache as (typeof plugins)[number]);
    },
  };
  return { name: 'bounded-caches', runtime: [plugin], documents, persistedQueries, forget };
}
