// Runs in its own process (started by load.ts) so the clients never share an event loop with the
// hub they measure. With `expected`, every answer is compared with it: a 200 that carries errors or
// other data is a failed request as much as a 502 is. With `countGraphqlErrors`, 200 answers that
// carry errors are counted (the first few kept), which HTTP status alone hides. With neither, answers go unread, the
// most load one process makes.
import autocannon from 'autocannon';
import type { LoadOptions } from './load.js';

const { url, body, connections, seconds, expected, countGraphqlErrors, clients } = JSON.parse(
  process.argv[2] ?? '{}',
) as LoadOptions;
let wrong = 0;
let graphqlErrors = 0;
const samples: string[] = [];
const compare = (status: number, responseBody: string) => {
  if (status === 200 && responseBody === expected) return;
  wrong++;
  if (samples.length < 5) samples.push(`${status} ${responseBody.slice(0, 300)}`);
};
const countErrors = (status: number, responseBody: string) => {
  if (!responseBody.includes('"errors"')) return;
  graphqlErrors++;
  if (samples.length < 5) samples.push(`${status} ${responseBody.slice(0, 600)}`);
};
const onResponse = expected !== undefined ? compare : countGraphqlErrors ? countErrors : undefined;
process.stderr.write('load started\n');
const result = await autocannon({
  url,
  connections,
  duration: seconds,
  // Each connection cycles through the clients, so every client is seen all the time.
  requests: Array.from({ length: clients ?? 1 }, (_, i) => ({
    method: 'POST' as const,
    headers: {
      'content-type': 'application/json',
      ...(clients ? { 'graphql-client-name': `load-client-${i + 1}`, 'graphql-client-version': '1.0.0' } : {}),
    },
    body,
    ...(onResponse ? { onResponse } : {}),
  })),
});
process.stdout.write(JSON.stringify({ ...result, wrong, graphqlErrors, samples }));
