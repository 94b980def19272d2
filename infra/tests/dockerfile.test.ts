import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { SubgraphDefinition } from '@nhs-hub/kit/subgraph';
import { startTestGraph, type TestGraph } from '@nhs-hub/gateway/testing';
import { bundleScript, gatewayPort, REPO_ROOT } from '@nhs-hub/kit/repo';
import { subgraph as geography } from '@nhs-hub/geography';
import { subgraph as workforce } from '@nhs-hub/workforce';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROBES } from '../k8s/generate.js';
import { type Json, K8S_DIR, type Manifest, podContainers, podSpecOf, render } from '../k8s/render.js';

/**
 * The Dockerfile read as Docker reads it (dockerfile-ast, the parser of the Docker language server),
 * checked against what the manifests and the servers expect of the image. No daemon runs here:
 * image.test.ts proves the runtime tree; this proves the instructions around it.
 */
const dockerfile = DockerfileParser.parse(readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8'));
const instructions = dockerfile.getInstructions();
const froms = dockerfile.getFROMs();
const finalFrom = froms.at(-1);
/** The final stage's instructions: what the image runs with. */
const final = instructions.filter((i) => finalFrom && i.getRange().start.line > finalFrom.getRange().start.line);
const keyword = (k: string) => final.filter((i) => i.getKeyword() === k);
const manifests = render(join(K8S_DIR, 'overlays/prod'));
const gateway = manifests.find((o) => o.kind === 'Deployment' && o.metadata.name === 'gateway') as Manifest;
type Obj = Record<string, Json>;
const exec = promisify(execFile);
const jsonArgs = (i: Instruction | undefined) => JSON.parse(i?.getArgumentsContent() ?? '[]') as string[];

describe('the Dockerfile', () => {
  it("builds every stage from one Node 24 LTS slim image, pinned by digest, the major package.json's engines name", () => {
    const engines = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { engines: { node: string } })
      .engines.node;
    const major = /^>=(\d+)/.exec(engines)?.[1];
    expect(major).toBe('24');
    expect(froms.map((f) => `${f.getImageName()}:${f.getImageTag()}`)).toEqual(froms.map(() => `node:${major}-slim`));
    // One digest for all three stages: the build, the installed dependencies and the runtime are the same Node.
    const digests = new Set(froms.map((f) => f.getImageDigest()));
    expect(digests.size).toBe(1);
    expect([...digests][0]).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(froms.map((f) => f.getBuildStage())).toEqual(['build', 'deps', null]);
  });

  it('installs and compiles nothing in the final stage, and leaves no package manager in it', () => {
    const runs = keyword('RUN').map((r) => r.getArgumentsContent() ?? '');
    expect(runs.join('\n')).not.toMatch(/\b(npm (ci|install)|apt-get|apk|tsc|yarn install)\b/);
    const removed = runs.join(' ');
    for (const tool of ['/usr/local/bin/npm', '/usr/local/bin/npx', '/usr/local/bin/corepack', '/usr/local/bin/yarn'])
      expect(removed, tool).toContain(tool);
    // The runtime tree comes from the deps stage, whose only install omits dev dependencies.
    const deps = instructions.filter(
      (i) =>
        i.getKeyword() === 'RUN' &&
        froms[1] &&
        i.getRange().start.line > froms[1].getRange().start.line &&
        finalFrom &&
        i.getRange().start.line < finalFrom.getRange().start.line,
    );
    expect(deps.map((r) => r.getArgumentsContent())).toEqual([expect.stringMatching(/^npm ci --omit=dev /)]);
  });

  it('runs as the user the manifests run the pods as, never root', () => {
    const pod = podSpecOf(gateway)?.securityContext as Obj;
    expect(keyword('USER').map((u) => u.getArgumentsContent())).toEqual([`${pod.runAsUser}:${pod.runAsGroup}`]);
    expect(Number(pod.runAsUser)).toBeGreaterThan(0);
  });

  it("starts the gateway by default, as the gateway's Deployment does, on the port it is configured for", () => {
    expect(jsonArgs(keyword('CMD').at(-1))).toEqual(['node', bundleScript('gateway')]);
    expect(podContainers([gateway])[0]?.command).toEqual(['node', bundleScript('gateway')]);
    const properties = Object.fromEntries(
      dockerfile
        .getENVs()
        .filter((e) => final.includes(e))
        .flatMap((e) => e.getProperties().map((p) => [p.getName(), p.getValue()])),
    );
    expect(properties).toMatchObject({ NODE_ENV: 'production', PORT: String(gatewayPort()) });
    expect(keyword('EXPOSE').map((e) => e.getArgumentsContent())).toEqual([String(gatewayPort())]);
  });

  describe('its HEALTHCHECK', () => {
    let graph: TestGraph;
    beforeAll(async () => {
      graph = await startTestGraph([geography, workforce] as SubgraphDefinition<unknown>[]);
    });
    afterAll(() => graph.close());

    /** The HEALTHCHECK's command, run as Docker would run it in the container (PORT from the image's ENV, or given). */
    const healthcheck = async (port: number, extra: Record<string, string> = {}) => {
      const args = (keyword('HEALTHCHECK')[0]?.getArgumentsContent() ?? '').replace(/^(--\S+\s+)*CMD\s+/, '');
      const [command, ...rest] = JSON.parse(args) as string[];
      expect(command).toBe('node');
      try {
        await exec(process.execPath, rest, { env: { PORT: String(port), ...extra }, timeout: 10_000 });
        return 0;
      } catch (error) {
        return (error as { code?: number }).code ?? -1;
      }
    };

    it('asks the liveness probe the manifests use, and passes on a running gateway', async () => {
      const args = keyword('HEALTHCHECK')[0]?.getArgumentsContent() ?? '';
      const liveness = (podContainers([gateway])[0]?.livenessProbe as Obj | undefined)?.httpGet as Obj | undefined;
      expect(liveness?.path).toBe(PROBES.live);
      expect(args).toContain(PROBES.live);
      expect(await healthcheck(Number(new URL(graph.gatewayUrl).port))).toBe(0);
    });

    it('fails when nothing answers on the port', async () => {
      // The gateway's own port in a throw-away graph was free a moment ago; port 1 never answers.
      expect(await healthcheck(1)).toBe(1);
    });

    it('asks the admin port instead where HUB_ADMIN_PORT is set, as the manifests set it for the gateway', async () => {
      const port = new URL(graph.gatewayUrl).port;
      // Health is where HUB_ADMIN_PORT says (this test gateway serves it on its one port); PORT is not asked.
      expect(await healthcheck(1, { HUB_ADMIN_PORT: port })).toBe(0);
      expect(await healthcheck(Number(port), { HUB_ADMIN_PORT: '1' })).toBe(1);
    });
  });
});
