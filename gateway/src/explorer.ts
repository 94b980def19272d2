import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { ExplorerOperation, GatewayOptions } from './gateway.js';
import type { HubEnv } from '@nhs-hub/kit/env';
import { z } from 'zod';
import { REPO_ROOT } from './config.js';

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
export function explorerFromEnv(env: Pick<HubEnv, 'HUB_EXPLORER' | 'NODE_ENV'>): GatewayOptions['explorer'] {
  const on = env.HUB_EXPLORER ? env.HUB_EXPLORER === 'on' : env.NODE_ENV !== 'production';
  return on ? { operations: explorerOperations() } : undefined;
}
