// The plugins' type augmentations of the builder reach the subgraphs only through these directives
// once they compile against this file's declarations (dist/builder.d.ts) instead of its source.
/// <reference types="@pothos/plugin-dataloader" preserve="true" />
/// <reference types="@pothos/plugin-directives" preserve="true" />
/// <reference types="@pothos/plugin-federation" preserve="true" />
import SchemaBuilder from '@pothos/core';
import DataloaderPlugin from '@pothos/plugin-dataloader';
import DirectivesPlugin from '@pothos/plugin-directives';
import FederationPlugin from '@pothos/plugin-federation';
import { printSubgraphSchema } from '@apollo/subgraph';
import { GraphQLError, type GraphQLSchema, Kind } from 'graphql';
import type { Kysely } from 'kysely';
import type { HubAuth } from './platform/auth.js';
import { parseIsoDate } from './platform/scalars.js';
import { historyValue } from './history.js';
import type { HistoryEntry, Provenance } from './releases.js';
import { type Citation, type SourceDocument, sourceDocument } from './sources.js';

/** Per-request context: a fresh object per request, so DataLoader caches never outlive one request. */
export interface HubContext<DB = unknown> {
  readonly requestId: string;
  /** The subgraph's own database, scoped to its Postgres schema. */
  readonly db: Kysely<DB>;
  /** The caller, verified from the bearer token the gateway forwards (anonymous without one). */
  readonly auth: HubAuth;
  /** The data subgraphs, for a subgraph that reads them over HTTP (releases); see `StartSubgraphOptions.peers`. */
  readonly peers?: PeerSubgraphs | undefined;
  /**
   * Errors to answer beside the data (a dataless subgraph's): a data subgraph that did not answer
   * costs its part of a list, and the caller is told which, rather than the whole field failing.
   */
  readonly partial?: GraphQLError[] | undefined;
}

/** Where the data subgraphs answer (their GraphQL URLs by name) and the key their calls are signed with. */
export interface PeerSubgraphs {
  readonly urls: Readonly<Record<string, string>>;
  readonly gatewaySecret: string | undefined;
}

/** A contradiction or gap in a source, kept as data next to the figure it concerns. */
export interface FlagShape {
  readonly code: string;
  readonly explanation: string;
}

export interface HubSchemaTypes<DB> {
  Context: HubContext<DB>;
  /** Fields are non-null unless they say `nullable: true`: most of the graph's fields always have a value. */
  DefaultFieldNullability: false;
  Scalars: {
    ID: { Input: string; Output: string };
    Date: { Input: string; Output: string };
    Decimal: { Input: string; Output: string };
  };
  Objects: {
    Source: Citation;
    SourceDocument: SourceDocument;
    Flag: FlagShape;
    FigureChange: HistoryEntry;
    ChangeSource: Provenance;
  };
}

const DECIMAL = /^-?\d+(\.\d+)?$/;

export { parseIsoDate };

/**
 * The Pothos builder every subgraph starts from: federation (last, as the plugin requires),
 * dataloader and directives, plus the value types all subgraphs share (`Source`, `Flag`, `Date`,
 * `Decimal`), marked `@shareable` so composition accepts them from every subgraph.
 */
export function createSubgraphBuilder<DB>() {
  const builder = new SchemaBuilder<HubSchemaTypes<DB>>({
    plugins: [DirectivesPlugin, DataloaderPlugin, FederationPlugin],
    defaultFieldNullability: false,
  });

  builder.queryType({});

  builder.scalarType('Date', {
    description: 'A calendar date, ISO 8601 (YYYY-MM-DD), with no time of day.',
    serialize: (value) => value,
    parseValue: parseIsoDate,
    parseLiteral: (ast) => parseIsoDate(ast.kind === Kind.STRING ? ast.value : undefined),
  });

  builder.scalarType('Decimal', {
    description: 'An exact decimal number carried as a string (e.g. "399.3"), never a binary float.',
    serialize: (value) => value,
    parseValue: (value) => {
      if (typeof value !== 'string' || !DECIMAL.test(value)) {
        throw new GraphQLError(`Decimal must be a string such as "399.3"; got ${JSON.stringify(value)}`);
      }
      return value;
    },
  });

  builder.objectType('SourceDocument', {
    shareable: true,
    description: 'A document the hub reads figures from, copied verbatim into infra/sources/.',
    fields: (t) => ({
      file: t.exposeString('file', { description: 'Path under infra/sources/.' }),
      title: t.exposeString('title'),
      publisher: t.exposeString('publisher'),
      published: t.exposeString('published', {
        nullable: true,
        description: 'ISO 8601 date, or the partial date (year or year-month) the document supports.',
      }),
    }),
  });

  builder.objectType('Source', {
    shareable: true,
    description: 'Where a fact was read: the document, the line (1-based) and the verbatim text on that line.',
    fields: (t) => ({
      document: t.field({ type: 'SourceDocument', resolve: (c) => sourceDocument(c.document) }),
      line: t.exposeInt('line'),
      text: t.exposeString('text', {
        description: 'Verbatim text of the source line (or the part of it that states the fact).',
      }),
    }),
  });

  builder.objectType('Flag', {
    shareable: true,
    description:
      'A contradiction, gap or assumption in the sources, kept beside the figure it concerns. Figures are never corrected; they are flagged.',
    fields: (t) => ({
      code: t.exposeString('code', {
        description: 'Stable code, e.g. SUM_MISMATCH, SAVINGS_EXCEED_GAP, UNIT_MISSING, DUPLICATED_FIGURE, INFERRED.',
      }),
      explanation: t.exposeString('explanation'),
    }),
  });

  builder.objectType('ChangeSource', {
    shareable: true,
    description:
      'Where a release read a value: the file it loaded and the row, and the document and line that row cites, if it cites one.',
    fields: (t) => ({
      file: t.exposeString('file', { description: 'The loaded file, relative to the repository (or as given).' }),
      line: t.exposeInt('line', {
        description: "The file's line (1-based; 0 for a row a replace or derivation wrote).",
      }),
      document: t.string({ nullable: true, resolve: (s) => s.document ?? null }),
      documentLine: t.int({ nullable: true, resolve: (s) => s.documentLine ?? null }),
    }),
  });

  builder.objectType('FigureChange', {
    shareable: true,
    description:
      "One value a figure has had, from the owning subgraph's release records: the release that set it, when, the value and where it came from. Oldest first; a figure never changed since the first seed has one entry.",
    fields: (t) => ({
      release: t.exposeInt('release', {
        description: 'The release that set the value, numbered within the subgraph that owns the figure.',
      }),
      kind: t.exposeString('kind', { description: 'seed, load, delete, replace or revert.' }),
      at: t.exposeString('at', { description: 'When the release landed (ISO 8601, UTC).' }),
      value: t.string({
        nullable: true,
        description: 'The value as text, as Decimal and Date are; null once the row was deleted or the value emptied.',
        resolve: historyValue,
      }),
      source: t.field({ type: 'ChangeSource', nullable: true, resolve: (e) => e.source }),
    }),
  });

  return builder;
}

/** The builder's full type set (Pothos defaults filled in), for helpers typed against any subgraph's builder. */
export type HubTypes<DB = unknown> = PothosSchemaTypes.ExtendDefaultTypes<HubSchemaTypes<DB>>;

export type HubBuilder<DB = unknown> = ReturnType<typeof createSubgraphBuilder<DB>>;

/**
 * Builds the federated subgraph schema (Federation v2 `@link`, directives as used). v2.9 for
 * `@listSize` and `@cost`: the gateway's demand control multiplies a field's cost by its list's size.
 */
export function toSubgraphSchema<DB>(builder: HubBuilder<DB>): GraphQLSchema {
  return builder.toSubGraphSchema({ linkUrl: 'https://specs.apollo.dev/federation/v2.9' });
}

/** The subgraph SDL as composition sees it (federation directives included). */
export function printSubgraphSdl(schema: GraphQLSchema): string {
  return `${printSubgraphSchema(schema).trim()}\n`;
}
