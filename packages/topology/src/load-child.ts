// Runs in its own process (spawned by topology.ts) so the clients never share an event loop with
// the hub they measure. Every answer is compared with the expected one: a 200 that carries errors
// or different data is a failed request as much as a 502 is.
import autocannon from 'autocannon';

const { url, body, expected, connections, seconds } = JSON.parse(process.argv[2] ?? '{}') as {
  url: string;
  body: string;
  expected: string;
  connections: number;
  seconds: number;
};
let wrong = 0;
const samples: string[] = [];
process.stderr.write('load started\n');
const result = await autocannon({
  url,
  connections,
  duration: seconds,
  requests: [
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      onResponse: (status: number, responseBody: string) => {
        if (status === 200 && responseBody === expected) return;
        wrong++;
        if (samples.length < 5) samples.push(`${status} ${responseBody.slice(0, 300)}`);
      },
    },
  ],
});
process.stdout.write(JSON.stringify({ ...result, wrong, samples }));
