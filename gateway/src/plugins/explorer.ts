import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { HubEnv } from '@nhs-hub/kit/platform';
import { REPO_ROOT } from '@nhs-hub/kit/repo';
import { z } from 'zod';
import type { HubPlugin } from '../plugin.js';

/** An operation the explorer opens as a tab, with example variables. */
export interface ExplorerOperation {
  readonly query: string;
  readonly variables?: Record<string, unknown>;
  /** The scope the operation needs, if any: its tab opens with an Authorization header to fill in. */
  readonly scope?: string;
}

/** The explorer's settings: the operations it opens as tabs. */
export interface ExplorerSettings {
  readonly operations: readonly ExplorerOperation[];
}

const OPERATIONS_DIR = `${REPO_ROOT}schema/operations/`;

const Example = z
  .object({ variables: z.record(z.string(), z.unknown()), scope: z.string().min(1).optional() })
  .strict();
type Example = z.output<typeof Example>;
/** Operation name to example; `$comment` says what the file is for. */
const Examples = z.object({ $comment: z.string().optional() }).catchall(Example);

/** schema/operations/examples.json: each operation's example variables, and the scope it needs. */
function readExamples(dir: string): Record<string, Example> {
  const path = `${dir}examples.json`;
  if (!existsSync(path)) return {};
  const parsed = Examples.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`Invalid ${path}: ${z.prettifyError(parsed.error)}`);
  const { $comment: _comment, ...examples } = parsed.data;
  return examples as Record<string, Example>;
}

/** The public operations (schema/operations/), StpOverview first, as the explorer's tabs, with their examples. */
export function explorerOperations(dir = OPERATIONS_DIR): (ExplorerOperation & { name: string })[] {
  if (!existsSync(dir)) return [];
  const examples = readExamples(dir);
  const names = readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .map((f) => f.replace(/\.graphql$/, ''))
    .sort((a, b) => (a === 'StpOverview' ? -1 : b === 'StpOverview' ? 1 : a.localeCompare(b)));
  return names.map((name) => {
    const example = examples[name];
    return {
      name,
      query: readFileSync(`${dir}${name}.graphql`, 'utf8'),
      ...(example ? { variables: example.variables } : {}),
      ...(example?.scope ? { scope: example.scope } : {}),
    };
  });
}

/** The explorer is on outside production and off in production, unless HUB_EXPLORER says otherwise. */
export function explorerFromEnv(env: Pick<HubEnv, 'HUB_EXPLORER' | 'NODE_ENV'>): ExplorerSettings | undefined {
  const on = env.HUB_EXPLORER ? env.HUB_EXPLORER === 'on' : env.NODE_ENV !== 'production';
  return on ? { operations: explorerOperations() } : undefined;
}

/**
 * The explorer's GraphiQL options: a tab per operation with its example variables, and the
 * Authorization header to fill in where the operation needs a scope. GraphiQL 5 fills the editors
 * it opens with from `variables`/`headers` rather than from the active tab (a tab opened later shows
 * its own), so the first tab's are given there too.
 */
export function explorerPage(operations: readonly ExplorerOperation[]) {
  const tabs = operations.map((o) => ({
    query: o.query,
    variables: o.variables ? JSON.stringify(o.variables, null, 2) : null,
    headers: o.scope ? JSON.stringify({ Authorization: `Bearer <a token with scope ${o.scope}>` }, null, 2) : null,
  }));
  const first: { variables?: string; headers?: string } = {
    ...(tabs[0]?.variables ? { variables: tabs[0].variables } : {}),
    ...(tabs[0]?.headers ? { headers: tabs[0].headers } : {}),
  };
  return { title: 'NHS region data hub', defaultTabs: tabs, shouldPersistHeaders: false, ...first };
}

/**
 * The offline GraphiQL explorer at /graphql for browsers: bundled from npm and inlined (scripts,
 * styles, workers, icon), so nothing is fetched from a CDN, which NHS networks often block. Off
 * when `settings` is undefined.
 */
export function explorerPlugin(settings: ExplorerSettings | undefined): HubPlugin {
  return {
    name: 'explorer',
    runtimeOptions: {
      graphiql: settings ? explorerPage(settings.operations) : false,
      // The bundled page weighs about 47 MB of RSS once loaded: only a process that serves the
      // explorer pays for it, on the first page view rather than at start-up.
      renderGraphiQL: async (options) => (await import('@graphql-yoga/render-graphiql')).renderGraphiQL(options),
    },
  };
}
