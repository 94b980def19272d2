import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENV_KEYS } from '@nhs-hub/kit/platform';
import { gatewayPort, REPO_ROOT, readGraphConfig } from '@nhs-hub/kit/repo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MOCK_PORT } from '../../scripts/mock.js';
import { loadAllSubgraphs } from './config.js';
import { readmeSubgraphs } from './shape.js';
import { postGraphQL, startTestGraph, type TestGraph } from './testing.js';

/**
 * The docs by reader (README.md and docs/*.md) stay true: every path they name exists, every npm
 * command they show is a script, every port is the configured one, every variable is one the
 * processes read, every benchmark figure is in the results file it cites, and the README's
 * headline query answers what the README shows.
 */
const DOCS = ['README.md', ...readdirSync(join(REPO_ROOT, 'docs')).map((f) => `docs/${f}`)].filter((f) =>
  f.endsWith('.md'),
);
const text = (file: string) => readFileSync(join(REPO_ROOT, file), 'utf8');
const TOP = /^(gateway|services|packages|schema|scripts|bench|infra|docs|examples)\//;
/** Paths the docs name that exist only once a command has written them. */
const WRITTEN_ON_REQUEST = new Set(['schema/baseline/']); // by `npm run schema:check -- --accept`

interface Manifest {
  readonly name: string;
  readonly scripts?: Record<string, string>;
}
const manifest = (dir: string): Manifest => JSON.parse(text(`${dir}package.json`)) as Manifest;
const WORKSPACES = new Map<string, Manifest>(
  ['packages', 'services']
    .flatMap((top) => readdirSync(join(REPO_ROOT, top)).map((d) => `${top}/${d}/`))
    .concat(['gateway/', 'infra/'])
    .filter((dir) => existsSync(join(REPO_ROOT, dir, 'package.json')))
    .map((dir) => {
      const m = manifest(dir);
      return [m.name, m];
    }),
);

/** Subgraphs a doc scaffolds itself (`npm run new:subgraph -- estates`): it may then use their names and port. */
const scaffoldedIn = (file: string) => [...text(file).matchAll(/new:subgraph -- ([a-z][a-z0-9-]*)/g)].map((m) => m[1]);

/** Paths a doc names: link targets and code spans that start at a top-level folder. */
function pathsIn(file: string): string[] {
  const body = text(file);
  const base = file.startsWith('docs/') ? 'docs/' : '';
  const links = [...body.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)]
    .map((m) => m[1] ?? '')
    .filter((target) => !/^[a-z]+:/.test(target))
    .map((target) => join(base, target));
  const spans = [...body.matchAll(/`([^`\s]+)`/g)].map((m) => m[1] ?? '').filter((span) => TOP.test(span));
  // Placeholders (`services/<name>/`) and globs name a pattern, not a file.
  return [...new Set([...links, ...spans])].filter((p) => !/[<>*{}]/.test(p)).map((p) => p.replace(/[.,:;]+$/, ''));
}

describe('the docs', () => {
  it('README stays a front page: 150 lines or fewer, with a map to every guide', () => {
    const readme = text('README.md');
    expect(readme.split('\n').length).toBeLessThanOrEqual(150);
    for (const guide of ['frontend', 'data-engineers', 'operations', 'performance', 'security'])
      expect(readme, guide).toContain(`(docs/${guide}.md)`);
  });

  it.each(DOCS)('%s names only paths that exist', (file) => {
    const missing = pathsIn(file).filter((p) => !existsSync(join(REPO_ROOT, p)) && !WRITTEN_ON_REQUEST.has(p));
    expect(missing).toEqual([]);
  });

  it.each(DOCS)('%s shows only npm commands that are scripts', (file) => {
    const root = manifest('');
    const wrong: string[] = [];
    for (const [, script, rest] of text(file).matchAll(/npm run ([a-z][\w:-]*)([^\n`]*)/g)) {
      const workspace = /-w (@nhs-hub\/[\w-]+)/.exec(rest ?? '')?.[1];
      const scripts = workspace ? WORKSPACES.get(workspace)?.scripts : root.scripts;
      if (!script || !scripts?.[script]) wrong.push(`npm run ${script}${workspace ? ` -w ${workspace}` : ''}`);
    }
    for (const [, script, workspace] of text(file).matchAll(/npm (start|test) -w (@nhs-hub\/[\w-]+)/g))
      if (
        !workspace?.includes('<') &&
        !scaffoldedIn(file).some((name) => workspace === `@nhs-hub/${name}`) &&
        !WORKSPACES.get(workspace ?? '')?.scripts?.[script ?? '']
      )
        wrong.push(`npm ${script} -w ${workspace}`);
    expect(wrong).toEqual([]);
  });

  it.each(DOCS)('%s gives the configured ports', (file) => {
    const configured = readGraphConfig().map((s) => Number(new URL(s.url).port));
    // A doc that scaffolds a subgraph shows the port the scaffold gives it: the next after the last.
    const next = scaffoldedIn(file).length ? [Math.max(...configured) + 1] : [];
    // `npm run mock` serves the API schema on a port of its own.
    const ports = new Set([gatewayPort(), MOCK_PORT, ...configured, ...next]);
    const named = [...text(file).matchAll(/(?:127\.0\.0\.1|localhost):(\d{4})\b|\bport (\d{4})\b|\| (\d{4}) \|/g)].map(
      (m) => Number(m[1] ?? m[2] ?? m[3]),
    );
    // Ports of other software (an OTLP collector on 4318, a dev server on 5173) are not the hub's.
    const hubs = named.filter((p) => p >= 4000 && p < 4100);
    expect(hubs.filter((p) => !ports.has(p))).toEqual([]);
  });

  it("README's table gives each subgraph it lists its configured port", () => {
    // The table describes the subgraphs the docs know; schema/subgraphs.json lists them all, a newly
    // scaffolded one included, so its rows are checked against it rather than required of it.
    const configured = new Map(readGraphConfig().map((e) => [e.name, Number(new URL(e.url).port)]));
    const rows = readmeSubgraphs();
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.filter(({ name, port }) => configured.get(name) !== port)).toEqual([]);
  });

  it.each(DOCS)('%s names only environment variables the processes read', (file) => {
    const named = new Set([...text(file).matchAll(/\b((?:HUB|OTEL)_[A-Z_]+[A-Z])\b/g)].map((m) => m[1] ?? ''));
    // `..._TRACES_...` stands for a family the guide spells out beside it.
    const unknown = [...named].filter((v) => !ENV_KEYS.includes(v) && !v.endsWith('_TRACES'));
    expect(unknown).toEqual([]);
  });

  it('performance.md quotes only figures its results files hold', () => {
    const doc = text('docs/performance.md');
    const files = [...doc.matchAll(/\((?:\.\.\/)?(bench\/results\/[\w.-]+\.md)\)/g)].map((m) => m[1] ?? '');
    expect(files.length).toBeGreaterThan(0);
    const results = files.map((f) => text(f)).join('\n');
    const ratios = doc
      .split('\n')
      .filter((line) => line.startsWith('|'))
      .flatMap((line) => [...line.matchAll(/\b(\d+\.\d{2}x)\b/g)].map((m) => m[1] ?? ''));
    expect(ratios.length).toBeGreaterThan(0);
    expect(ratios.filter((r) => !results.includes(r))).toEqual([]);
  });
});

describe("README's queries", () => {
  let graph: TestGraph;
  beforeAll(async () => {
    graph = await startTestGraph(await loadAllSubgraphs());
  });
  afterAll(() => graph.close());

  it('answer through the gateway exactly what README shows, each query followed by its answer', async () => {
    const readme = text('README.md');
    const queries = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
    const answers = [...readme.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
    // the headline, then what changed
    expect(queries.length).toBeGreaterThanOrEqual(2);
    expect(answers.length).toBe(queries.length);
    // The data version names a release of every data subgraph; README shows those of its table's.
    // A subgraph scaffolded since (in schema/subgraphs.json, not yet in README) adds its own.
    const documented = new Set(readmeSubgraphs().map((s) => s.name));
    const asDocumented = (version: string) =>
      version
        .split('-')
        .filter((release) => documented.has(release.split('.')[0] ?? ''))
        .join('-');
    for (const [i, query] of queries.entries()) {
      const { status, body } = await postGraphQL<unknown>(graph.gatewayUrl, query);
      expect(status, query).toBe(200);
      const { dataVersion } = body.extensions ?? {};
      expect(typeof dataVersion, query).toBe('string');
      const answer = { ...body, extensions: { ...body.extensions, dataVersion: asDocumented(String(dataVersion)) } };
      expect(answer, query).toEqual(JSON.parse(answers[i] ?? ''));
    }
  });
});
