import { useApolloClient, useQuery } from '@apollo/client/react';
import { BarController, BarElement, CategoryScale, Chart, LinearScale, Tooltip } from 'chart.js';
import { createClient } from 'graphql-sse';
import { useEffect, useRef, useState } from 'react';
import { type MemberStp, REGION_PAGE, REGIONS, RELEASE_PUBLISHED, type ReleasePublished } from './query.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip);

declare global {
  interface Window {
    Chart?: typeof Chart;
  }
}
// So the browser's console (and the sample's test) can read what a chart draws: Chart.getChart(canvas).data.
window.Chart = Chart;

const money = (value: string | null | undefined) => (value == null ? '-' : `£${value} M`);

/** Gap per head (£ per person, derived by the hub) of each member STP that has one. */
function GapPerHead({ stps }: { stps: MemberStp[] }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const shown = stps.filter((s) => s.gapPerHeadDerived);
    const chart = new Chart(canvas.current, {
      type: 'bar',
      data: {
        labels: shown.map((s) => s.code),
        datasets: [
          {
            label: 'Gap per head (£)',
            data: shown.map((s) => Number(s.gapPerHeadDerived?.gbpPerPerson)),
            backgroundColor: '#005eb8',
          },
        ],
      },
      options: { animation: false, plugins: { tooltip: { enabled: true } }, scales: { y: { beginAtZero: true } } },
    });
    return () => chart.destroy();
  }, [stps]);
  return <canvas ref={canvas} aria-label="Gap per head by STP" height={90} />;
}

type Live = { state: 'connecting' } | { state: 'live'; release: string | null } | { state: 'failed'; reason: string };

/**
 * Refreshes every query on the page when a data release lands anywhere in the hub: `releasePublished`
 * over Server-Sent Events (graphql-sse's distinct connections, a POST asking for text/event-stream,
 * which CORS allows as it allows queries). The gateway moves its data version before it announces
 * a release, so the refetch never reads an answer cached from before it.
 */
function useRefreshOnRelease(hub: string): Live {
  const client = useApolloClient();
  const [live, setLive] = useState<Live>({ state: 'connecting' });
  useEffect(() => {
    const releases = createClient({ url: hub, on: { connected: () => setLive({ state: 'live', release: null }) } });
    const stop = releases.subscribe<ReleasePublished>(
      { query: RELEASE_PUBLISHED },
      {
        next: ({ data }) => {
          if (!data) return;
          setLive({ state: 'live', release: data.releasePublished.name });
          void client.refetchQueries({ include: 'active' });
        },
        error: (error) => setLive({ state: 'failed', reason: error instanceof Error ? error.message : String(error) }),
        complete: () => undefined,
      },
    );
    return () => {
      stop();
      releases.dispose();
    };
  }, [client, hub]);
  return live;
}

export function App({ hub }: { hub: string }) {
  const [code, setCode] = useState('Y60');
  const [asOf, setAsOf] = useState('2020-01-01');
  const regions = useQuery(REGIONS, { variables: { asOf } });
  const page = useQuery(REGION_PAGE, { variables: { code, asOf } });
  const stps = page.data?.regionSnapshot?.stps ?? [];
  const region = page.data?.region;
  const live = useRefreshOnRelease(hub);
  // A region exists for a span of dates: Midlands (Y60) from April 2019, Midlands and East before.
  const outside = region && (asOf < region.validFrom || (region.validTo !== null && asOf > region.validTo));
  const csv = new URL(`/exports/regions/${code}/stps.csv?asOf=${asOf}`, hub).href;
  return (
    <main style={{ fontFamily: 'Arial, sans-serif', margin: '1.5rem', color: '#212b32' }}>
      <h1 style={{ color: '#005eb8' }}>{page.data?.region?.name ?? code}: member STPs and their finances</h1>
      <form style={{ display: 'flex', gap: '1rem', alignItems: 'end' }} onSubmit={(e) => e.preventDefault()}>
        <label>
          Region{' '}
          <select value={code} onChange={(e) => setCode(e.target.value)} aria-label="Region">
            {(regions.data?.regions ?? []).map((r) => (
              <option key={r.code} value={r.code}>
                {r.name} ({r.code})
              </option>
            ))}
          </select>
        </label>
        <label>
          On{' '}
          <input
            type="date"
            value={asOf}
            onChange={(e) => e.target.value && setAsOf(e.target.value)}
            aria-label="Date"
          />
        </label>
        <a href={csv} download>
          Download CSV
        </a>
      </form>
      <p role="status" style={{ color: '#4c6272' }}>
        {live.state === 'connecting'
          ? 'Connecting to live updates…'
          : live.state === 'failed'
            ? `Live updates unavailable (${live.reason}): reload to see new data.`
            : live.release
              ? `Refreshed after release ${live.release}.`
              : 'Live: refreshes by itself when a data release lands.'}
      </p>
      {page.error && <p role="alert">{page.error.message}</p>}
      {outside && (
        <p id="not-a-region">
          {region.name} ({region.code}) was a region from {region.validFrom}
          {region.validTo ? ` to ${region.validTo}` : ''}, not on {asOf}: pick a region of that date.
        </p>
      )}
      <table id="stps" style={{ borderCollapse: 'collapse', marginTop: '1rem', width: '100%' }}>
        <thead>
          <tr style={{ textAlign: 'left', borderBottom: '2px solid #005eb8' }}>
            <th>STP</th>
            <th>Gap by 2020/21</th>
            <th>Proposed savings</th>
            <th>Capital required</th>
            <th>Gap per head</th>
            <th>Flags</th>
          </tr>
        </thead>
        <tbody>
          {stps.map((s) => (
            <tr key={s.code} style={{ borderBottom: '1px solid #d8dde0' }}>
              <td>
                {s.name} ({s.code})
              </td>
              <td>{money(s.financialGap?.combinedGbpM)}</td>
              <td>{money(s.financialGap?.proposedSavingsGbpM)}</td>
              <td>{money(s.financialGap?.capitalRequiredGbpM)}</td>
              <td>{s.gapPerHeadDerived ? `£${s.gapPerHeadDerived.gbpPerPerson}` : '-'}</td>
              <td>
                {s.financialGap?.flags.map((f) => (
                  <span
                    key={f.code}
                    title={f.explanation}
                    className="flag"
                    style={{ background: '#ffeb3b', padding: '0 0.3rem', marginRight: '0.3rem' }}
                  >
                    {f.code}
                  </span>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Gap per head (£ per person, derived by the hub)</h2>
      <GapPerHead stps={stps} />
    </main>
  );
}
