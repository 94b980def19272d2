import { useQuery } from '@apollo/client/react';
import { BarController, BarElement, CategoryScale, Chart, LinearScale, Tooltip } from 'chart.js';
import { useEffect, useRef, useState } from 'react';
import { type MemberStp, REGION_PAGE, REGIONS } from './query.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip);

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

export function App({ hub }: { hub: string }) {
  const [code, setCode] = useState('Y60');
  const [asOf, setAsOf] = useState('2020-01-01');
  const regions = useQuery(REGIONS, { variables: { asOf } });
  const page = useQuery(REGION_PAGE, { variables: { code, asOf } });
  const stps = page.data?.regionSnapshot?.stps ?? [];
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
      {page.error && <p role="alert">{page.error.message}</p>}
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
