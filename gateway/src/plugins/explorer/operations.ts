import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { HubEnv } from '@nhs-hub/kit/platform';
import { REPO_ROOT } from '@nhs-hub/kit/repo';
import { z } from 'zod';

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
  /**
   * Development only (`npm start` with its own local secret): signs a short-lived token for a
   * scope, which the explorer puts in the Authorization header of the tabs that need it, in place of
   * the placeholder. Never set where tokens come from an identity provider.
   */
  readonly devToken?: ((scope: string) => Promise<string>) | undefined;
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
export function explorerFromEnv(
  env: Pick<HubEnv, 'HUB_EXPLORER' | 'NODE_ENV'>,
  devToken?: ExplorerSettings['devToken'],
): ExplorerSettings | undefined {
  const on = env.HUB_EXPLORER ? env.HUB_EXPLORER === 'on' : env.NODE_ENV !== 'production';
  if (!on) return undefined;
  return { operations: explorerOperations(), ...(devToken && env.NODE_ENV !== 'production' ? { devToken } : {}) };
}

/** A development token for each scope the operations name. */
export async function devTokensFor(settings: ExplorerSettings): Promise<Record<string, string>> {
  const scopes = [...new Set(settings.operations.flatMap((o) => (o.scope ? [o.scope] : [])))];
  const sign = settings.devToken;
  if (!sign) return {};
  return Object.fromEntries(await Promise.all(scopes.map(async (scope) => [scope, await sign(scope)] as const)));
}
