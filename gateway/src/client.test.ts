import { ApolloClient, gql, HttpLink, InMemoryCache } from '@apollo/client';
import { AllStpsDocument, RegionOverviewDocument, StpOverviewDocument, typePolicies } from '@nhs-hub/client';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadAllSubgraphs } from './config.js';
import { startTestGraph, type TestGraph } from './testing.js';

describe('Apollo Client with the exported type policies, against the hub', () => {
  let graph: TestGraph;
  let requests: string[];
  const warnings: unknown[][] = [];
  beforeAll(async () => {
    graph = await startTestGraph(await loadAllSubgraphs());
  });
  afterAll(() => graph.close());
  afterEach(() => vi.restoreAllMocks());

  function client(policies = typePolicies): ApolloClient {
    requests = [];
    const fetchCounting: typeof fetch = (input, init) => {
      requests.push(String(init?.body ?? ''));
      return fetch(input, init);
    };
    for (const method of ['warn', 'error'] as const) {
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        warnings.push([method, ...args]);
      });
    }
    return new ApolloClient({
      link: new HttpLink({ uri: graph.gatewayUrl, fetch: fetchCounting }),
      cache: new InMemoryCache({ typePolicies: policies }),
    });
  }

  it('answers StpOverview from the cache after AllStps, complete and without a warning', async () => {
    const apollo = client();
    for (const code of ['QJM', 'QF7', 'QUY']) {
      const before = requests.length;
      const first = await apollo.query({ query: StpOverviewDocument, variables: { code }, fetchPolicy: 'cache-first' });
      expect(first.data?.stp?.code).toBe(code);
      const all = await apollo.query({
        query: AllStpsDocument,
        variables: { first: 200 },
        fetchPolicy: 'network-only',
      });
      expect(all.data?.stps.nodes.some((s) => s.code === code)).toBe(true);
      expect(requests.length).toBe(before + 2);
      const third = await apollo.query({ query: StpOverviewDocument, variables: { code }, fetchPolicy: 'cache-first' });
      expect(requests.length, 'answered from the cache').toBe(before + 2);
      expect(third.data).toEqual(first.data);
    }
    const lincolnshire = (
      await apollo.query({ query: StpOverviewDocument, variables: { code: 'QJM' }, fetchPolicy: 'cache-only' })
    ).data?.stp;
    expect(lincolnshire).toMatchObject({
      name: 'Lincolnshire',
      population: 700000,
      financialGap: { combinedGbpM: '182' },
    });
    expect(lincolnshire?.leads[0]).toMatchObject({
      name: 'Allan Kitt',
      role: 'Lead',
      organisation: { name: 'South West Lincolnshire CCG', kind: 'CCG' },
    });
    const flags = (
      await apollo.query({ query: StpOverviewDocument, variables: { code: 'QF7' }, fetchPolicy: 'cache-only' })
    ).data?.stp?.financialGap?.flags;
    expect(flags?.find((f) => f.code === 'SUM_MISMATCH')?.explanation).toBeTruthy();
    // One entity per STP: AllStps and StpOverview wrote into the same normalised object.
    const stored = apollo.cache.extract() as Record<string, { name?: string; population?: number }>;
    expect(stored['Stp:{"code":"QJM"}']).toMatchObject({ name: 'Lincolnshire', population: 700000 });
    expect(warnings).toEqual([]);
  });

  it('keeps StpOverview whole when AllStps comes first, and RegionOverview in between', async () => {
    const apollo = client();
    await apollo.query({ query: AllStpsDocument, variables: { first: 200 } });
    await apollo.query({ query: RegionOverviewDocument, variables: { code: 'Y60', asOf: '2020-01-01' } });
    const first = await apollo.query({
      query: StpOverviewDocument,
      variables: { code: 'QJM' },
      fetchPolicy: 'network-only',
    });
    await apollo.query({ query: AllStpsDocument, variables: { first: 200 }, fetchPolicy: 'network-only' });
    await apollo.query({
      query: RegionOverviewDocument,
      variables: { code: 'Y60', asOf: '2020-01-01' },
      fetchPolicy: 'network-only',
    });
    const count = requests.length;
    const again = await apollo.query({ query: StpOverviewDocument, variables: { code: 'QJM' } });
    expect(requests.length).toBe(count);
    expect(again.data).toEqual(first.data);
    expect(warnings).toEqual([]);
  });

  it('normalises a lead and a financial gap where an operation selects their keys (StpLead.id, FinancialGap.stpCode)', async () => {
    const apollo = client();
    warnings.length = 0;
    const keyed = gql`
      query KeyedLeads($code: ID!) {
        stp(code: $code) {
          code
          leads {
            id
            name
            role
          }
          financialGap {
            stpCode
            combinedGbpM
          }
        }
      }
    `;
    const answer = await apollo.query({ query: keyed, variables: { code: 'QJM' } });
    const lead = (answer.data as { stp: { leads: { id: string; name: string }[] } }).stp.leads[0];
    // The lead is the Role the organisations subgraph read off the tracker's line.
    expect(lead).toMatchObject({ id: expect.stringMatching(/-stp-lead$/), name: 'Allan Kitt' });
    // StpOverview (no key selected) merges into the same normalised objects rather than beside them.
    await apollo.query({ query: StpOverviewDocument, variables: { code: 'QJM' } });
    const stored = apollo.cache.extract() as Record<string, Record<string, unknown>>;
    expect(stored[`StpLead:{"id":"${lead?.id}"}`]).toMatchObject({ name: 'Allan Kitt', role: 'Lead' });
    expect(stored['FinancialGap:{"stpCode":"QJM"}']).toMatchObject({ combinedGbpM: '182' });
    const again = await apollo.query({ query: keyed, variables: { code: 'QJM' }, fetchPolicy: 'cache-only' });
    expect(again.data).toEqual(answer.data);
    expect(warnings).toEqual([]);
  });

  it('needs them: with keyFields alone the third StpOverview goes back to the network, with a warning', async () => {
    const apollo = client({
      Stp: { keyFields: ['code'] },
      Region: { keyFields: ['code'] },
      Programme: { keyFields: ['code'] },
    });
    warnings.length = 0;
    await apollo.query({ query: StpOverviewDocument, variables: { code: 'QJM' } });
    await apollo.query({ query: AllStpsDocument, variables: { first: 200 }, fetchPolicy: 'network-only' });
    await apollo.query({ query: StpOverviewDocument, variables: { code: 'QJM' } });
    expect(requests.length).toBe(3);
    expect(warnings.map((w) => String(w[1]))).toContainEqual(expect.stringContaining('Cache data may be lost'));
    warnings.length = 0;
  });
});
