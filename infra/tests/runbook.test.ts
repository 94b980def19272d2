import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@nhs-hub/kit/repo';
import { needSystemTool, SYSTEM_TOOLS } from '@nhs-hub/kit/testing';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { workspaceDirs } from '../image/layout.js';
import { CLUSTER, DB_CA_SECRET, OBJECT_STORE, RESTORE_CLUSTER } from '../k8s/generate.js';

/** The restore Cluster's fields the pipelines' checks read. */
interface Restored {
  kind: string;
  metadata: { namespace?: string };
  spec?: {
    bootstrap?: { recovery?: { source?: string; recoveryTarget?: unknown } };
    externalClusters?: { name: string; plugin?: { parameters?: Record<string, string> } }[];
    plugins?: { isWALArchiver?: boolean; parameters?: Record<string, string> }[];
    certificates?: { serverCASecret?: string };
  };
}

/**
 * infra/README.md's runbook is meant to be run, not interpreted: every step a command. What can be
 * checked without a cluster is checked here: each block parses as shell, fills in no placeholder,
 * uses kubectl's kustomize rather than the standalone binary, names npm scripts and repository
 * files that exist and variables the runbook sets; the environment it starts with matches the
 * overlays; and, where kubectl is installed, each `kubectl kustomize` pipeline runs up to its apply.
 */
const README = readFileSync(join(REPO_ROOT, 'infra/README.md'), 'utf8');
const runbook = README.slice(README.indexOf('## Runbook'));
const blocks = [...runbook.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
/** Continuation lines joined, comments dropped: one entry per command line. */
const commands = (block: string) =>
  block
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .filter((line) => line.trim() && !line.trim().startsWith('#'));
const all = blocks.flatMap(commands);

describe("infra/README.md's table of files", () => {
  // The table from its header row to the first line that is not a row: a row that lost its first
  // cell (or its pipes) ends the table there, as a Markdown renderer would.
  const lines = README.split('\n');
  const start = lines.findIndex((l) => l.startsWith('| path | what |'));
  const end = lines.findIndex((l, i) => i > start && !l.startsWith('|'));
  const rows = lines.slice(start + 2, end);

  it('has two cells on every row, the first naming paths under infra/ that exist', () => {
    expect(start).toBeGreaterThanOrEqual(0);
    expect(lines[start + 1]).toBe('| --- | --- |');
    // Everything up to the next heading is the table.
    expect(
      lines
        .slice(
          end,
          lines.findIndex((l, i) => i > start && l.startsWith('#')),
        )
        .join('')
        .trim(),
    ).toBe('');
    for (const row of rows) {
      const cells = row.split(/(?<!\\)\|/).slice(1, -1);
      expect(cells, row).toHaveLength(2);
      const paths = [...(cells[0] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? '');
      expect(paths.length, row).toBeGreaterThan(0);
      // `k8s/overlays/{dev,prod}/`: each of the braces' names.
      for (const path of paths)
        for (const one of (/\{([^}]*)\}/.exec(path)?.[1]?.split(',') ?? ['']).map((b) => path.replace(/\{[^}]*\}/, b)))
          expect(existsSync(join(REPO_ROOT, 'infra', one)), `${one} in: ${row}`).toBe(true);
    }
  });

  it('describes every test file of infra/tests', () => {
    const named = rows.map((r) => /^\| `([^`]+)`/.exec(r)?.[1]);
    for (const file of readdirSync(join(REPO_ROOT, 'infra/tests')).filter((f) => f.endsWith('.test.ts')))
      expect(named, file).toContain(`tests/${file}`);
  });
});

describe('the runbook (infra/README.md)', () => {
  it('has its steps as shell blocks that parse', () => {
    expect(blocks.length).toBeGreaterThan(8);
    for (const block of blocks) {
      const result = spawnSync('bash', ['-n'], { input: block, encoding: 'utf8' });
      expect(result.stderr, block).toBe('');
      expect(result.status, block).toBe(0);
    }
  });

  it('leaves nothing to fill in and needs no standalone kustomize', () => {
    for (const line of all) {
      expect(line, 'a placeholder').not.toMatch(/<[a-z][a-z0-9 _-]*>|\.\.\./i);
      expect(line.replace(/kubectl kustomize/g, ''), 'standalone kustomize').not.toMatch(/\bkustomize\b/);
    }
  });

  it('names npm scripts and repository files that exist', () => {
    const scripts = (dir: string) =>
      Object.keys(
        (JSON.parse(readFileSync(join(REPO_ROOT, dir, 'package.json'), 'utf8')) as { scripts?: object }).scripts ?? {},
      );
    const workspaces = new Map(
      workspaceDirs().map((dir) => [
        (JSON.parse(readFileSync(join(REPO_ROOT, dir, 'package.json'), 'utf8')) as { name: string }).name,
        dir,
      ]),
    );
    const runs = all.flatMap((line) => [...line.matchAll(/npm run (?:--silent )?([\w:-]+)(?: -w (\S+))?/g)]);
    expect(runs.length).toBeGreaterThan(0);
    for (const [command, script, workspace] of runs) {
      const dir = workspace === undefined ? '.' : workspaces.get(workspace);
      expect(dir, `${command}: no workspace ${workspace}`).toBeDefined();
      expect(scripts(dir ?? '.'), command).toContain(script);
    }
    const paths = all.flatMap((line) => [...line.matchAll(/\b((?:infra|schema)\/[\w./-]*\w)/g)].map((m) => m[1] ?? ''));
    expect(paths.length).toBeGreaterThan(0);
    for (const path of paths) expect(existsSync(join(REPO_ROOT, path)), path).toBe(true);
  });

  it('pins every Helm chart it installs or upgrades to a version', () => {
    const helm = all.filter((l) => /\bhelm (?:upgrade|install)\b/.test(l));
    expect(helm.length).toBeGreaterThan(3);
    for (const line of helm) expect(line, line).toMatch(/\s--version[= ]v?\d+\.\d+\.\d+(?:\s|$)/);
  });

  it('sets every variable it uses', () => {
    const set = new Set<string>();
    for (const line of all) {
      for (const m of line.matchAll(/(?:^|[\s;&(])([A-Z][A-Z0-9_]*)=/g)) set.add(m[1] ?? '');
      // `read -rp 'prompt: ' NAME`: the last word of each read.
      for (const part of line.split(/&&|;/))
        if (/^\s*read\b/.test(part)) set.add(part.trim().split(/\s+/).at(-1) ?? '');
    }
    for (const line of all)
      for (const m of line.matchAll(/\$\{?([A-Z][A-Z0-9_]*)/g))
        expect(set.has(m[1] ?? ''), `$${m[1]} in: ${line}`).toBe(true);
  });

  it('starts from the namespace, overlay and image each overlay deploys', () => {
    // The first block: prod's assignments, then dev's on a comment line.
    const lines = (blocks[0] ?? '').split('\n').filter((l) => l.includes('OVERLAY='));
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      const vars = Object.fromEntries([...line.matchAll(/([A-Z]+)=(\S+)/g)].map((m) => [m[1], m[2]]));
      const overlay = parseYaml(readFileSync(join(REPO_ROOT, String(vars.OVERLAY), 'kustomization.yaml'), 'utf8')) as {
        namespace: string;
        images: { name: string; newName: string }[];
      };
      expect(vars.NS, line).toBe(overlay.namespace);
      expect(vars.IMAGE, line).toBe(overlay.images.find((i) => i.name === 'nhs-region-hub')?.newName);
    }
  });

  // Not every machine has kubectl; what runs without a cluster runs where it does (CI requires it).
  const kubectl = needSystemTool(SYSTEM_TOOLS.kubectl).path !== null;
  it.skipIf(!kubectl)(
    'renders what each kubectl kustomize pipeline would apply, for both overlays where it names one',
    () => {
      // `kubectl apply -k X` applies what `kubectl kustomize X` renders (the same built-in kustomize).
      const pipelines = [
        ...new Set(
          all
            .map((l) => l.trim().replace(/^kubectl (?:-n \S+ )?apply -k (\S+)$/, 'kubectl kustomize $1'))
            .filter((l) => l.startsWith('kubectl kustomize')),
        ),
      ];
      expect(pipelines.length).toBeGreaterThan(1);
      const TARGET_TIME = '2026-12-01 09:30:00+00';
      const DRILL = '202612010930';
      const restores: string[] = [];
      for (const pipeline of pipelines) {
        const rendering = pipeline.replace(/\|\s*kubectl (?:-n \S+ )?apply -f -\s*$/, '');
        const overlays = pipeline.includes('$OVERLAY') ? ['infra/k8s/overlays/prod', 'infra/k8s/overlays/dev'] : [''];
        for (const overlay of overlays) {
          const result = spawnSync('bash', ['-o', 'pipefail', '-c', rendering], {
            // stdin from /dev/null: bash given a socket as stdin (Node's default pipe) takes itself for
            // an rsh session and sources ~/.bashrc, whose tools (a pyenv rehash waiting on a stale
            // lock, here) are not this test's.
            stdio: ['ignore', 'pipe', 'pipe'],
            cwd: REPO_ROOT,
            encoding: 'utf8',
            maxBuffer: 64 * 2 ** 20,
            env: { PATH: process.env.PATH, HOME: process.env.HOME, OVERLAY: overlay, TARGET_TIME, DRILL },
          });
          expect(result.status, `${rendering}\n${result.stderr}`).toBe(0);
          const objects = parseAllDocuments(result.stdout).map((d) => d.toJSON() as Restored);
          expect(objects.length, rendering).toBeGreaterThan(0);
          // The restore pipelines set the moment to recover to, and land where their apply's -n says.
          const restore = objects.find((o) => o.kind === 'Cluster' && o.spec?.bootstrap?.recovery);
          if (!restore) continue;
          restores.push(pipeline);
          expect(objects, pipeline).toHaveLength(1);
          expect(restore.metadata.namespace, pipeline).toBeUndefined();
          expect(pipeline).toMatch(/\| kubectl -n \$\w+ apply -f -$/);
          expect(restore.spec?.bootstrap?.recovery?.recoveryTarget).toEqual({ targetTime: TARGET_TIME });
          // Both read prod's archive: its ObjectStore, in the folder its cluster writes.
          const source = restore.spec?.externalClusters?.find(
            (c) => c.name === restore.spec?.bootstrap?.recovery?.source,
          );
          expect(source?.plugin?.parameters).toEqual({ barmanObjectName: OBJECT_STORE, serverName: CLUSTER });
          const archiver = restore.spec?.plugins?.find((p) => p.isWALArchiver)?.parameters;
          if (pipeline.includes('restore/drill')) {
            // A drill archives to the drills' store, in a folder of its own, and never uses prod's CA.
            expect(archiver?.barmanObjectName).not.toBe(OBJECT_STORE);
            expect(archiver?.serverName).toBe(`${RESTORE_CLUSTER}-drill-${DRILL}`);
            expect(restore.spec?.certificates?.serverCASecret).toBeUndefined();
          } else {
            expect(archiver).toEqual({ barmanObjectName: OBJECT_STORE });
            expect(restore.spec?.certificates?.serverCASecret).toBe(DB_CA_SECRET);
          }
        }
      }
      // The real restore and the drill, each rendered.
      expect(restores.filter((p) => p.includes('restore/drill'))).toHaveLength(1);
      expect(restores.filter((p) => p.includes('restore/cluster')).length).toBeGreaterThanOrEqual(1);
    },
  );

  it('applies nothing without naming its namespace, so a restore or a drill lands where the runbook says', () => {
    const applies = all.filter((l) => /\bkubectl\b[^|]*\bapply\b/.test(l));
    expect(applies.length).toBeGreaterThan(5);
    for (const line of applies) {
      const stages = line.split(/\s\|\s/);
      for (const stage of stages.filter((x) => /\bkubectl\b.*\bapply\b/.test(x))) {
        const named =
          /\bkubectl -n \S+ apply\b/.test(stage) ||
          // An overlay sets its namespace (the first block's test above checks it is $NS).
          /\bapply -k \$OVERLAY$/.test(stage.trim()) ||
          // Cluster-scoped objects only (k8s.test.ts checks they have no namespace).
          /\bapply -k infra\/k8s\/cluster$/.test(stage.trim()) ||
          // What `kubectl -n X create ... --dry-run -o yaml` wrote carries X.
          (/^\s*kubectl -n \S+ create\b.*--dry-run=client/.test(stages[0] ?? '') &&
            stage.trim() === 'kubectl apply -f -');
        expect(named, line).toBe(true);
      }
    }
  });
});
