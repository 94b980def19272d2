import { subgraph as geography } from '@nhs-hub/geography';
import { subgraphHarness } from '@nhs-hub/gateway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subgraph } from '../index.js';

const graph = subgraphHarness(subgraph, { composedWith: [geography] });
beforeAll(graph.start);
afterAll(graph.close);

interface Fact {
  id: string;
  kind: string;
  statement: string;
  source: { document: { file: string }; line: number; text: string };
}

describe('__name__ through the gateway', () => {
  it('answers an STP with its facts, each with its verbatim source line', async () => {
    const { body } = await graph.query<{ stp: { name: string; __name__Facts: Fact[] } }>(
      '{ stp(code: "QJM") { name __name__Facts { id kind statement source { document { file } line text } } } }',
    );
    expect(body.errors).toBeUndefined();
    expect(body.data?.stp.name).toBe('Lincolnshire');
    const facts = body.data?.stp.__name__Facts ?? [];
    expect(facts.length).toBeGreaterThan(0);
    for (const fact of facts) expect(fact.source.text).toBe(fact.statement);
  });

  it('resolves facts for every STP in the same number of SQL statements as for two', async () => {
    const run = async (first: number) => {
      graph.resetCounters();
      const { body } = await graph.query(`{ stps(first: ${first}) { nodes { code __name__Facts { id } } } }`);
      expect(body.errors).toBeUndefined();
      return graph.statements();
    };
    expect(await run(45)).toBe(await run(2));
  });
});
