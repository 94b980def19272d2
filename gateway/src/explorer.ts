import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { ExplorerOperation, GatewayOptions } from '@nhs-hub/kit/gateway';
import type { HubEnv } from '@nhs-hub/kit/env';
import { REPO_ROOT } from './config.js';

/** Example variables for the public operations, so each explorer tab runs as it opens. */
const EXAMPLES: Record<string, Record<string, unknown>> = {
  StpOverview: { code: 'QJM' },
  AllStps: { first: 10 },
  RegionOverview: { code: 'Y60', asOf: '2020-01-01' },
  RegionRankings: { code: 'Y60', asOf: '2020-01-01' },
};

/** The public operations (schema/operations/), StpOverview first, as the explorer's tabs. */
export function explorerOperations(dir = `${REPO_ROOT}schema/operations/`): ExplorerOperation[] {
  if (!existsSync(dir)) return [];
  const names = readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .map((f) => f.replace(/\.graphql$/, ''))
    .sort((a, b) => (a === 'StpOverview' ? -1 : b === 'StpOverview' ? 1 : a.localeCompare(b)));
  return names.map((name) => ({
    query: readFileSync(`${dir}${name}.graphql`, 'utf8'),
    ...(EXAMPLES[name] ? { variables: EXAMPLES[name] } : {}),
    ...(name === 'RegionRankings' ? { scope: 'region:director' } : {}),
  }));
}

/** The explorer is on outside production and off in production, unless HUB_EXPLORER says otherwise. */
export function explorerFromEnv(env: Pick<HubEnv, 'HUB_EXPLORER' | 'NODE_ENV'>): GatewayOptions['explorer'] {
  const on = env.HUB_EXPLORER ? env.HUB_EXPLORER === 'on' : env.NODE_ENV !== 'production';
  return on ? { operations: explorerOperations() } : undefined;
}
