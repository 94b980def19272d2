// Runs in its own process (spawned by load.ts) so the load generator never shares an event loop
// with the hub it measures. Counts GraphQL errors inside 200 answers, which HTTP status alone hides.
import autocannon from 'autocannon';

const { url, body, connections, seconds } = JSON.parse(process.argv[2] ?? '{}') as {
  url: string;
  body: string;
  connections: number;
  seconds: number;
};
let graphqlErrors = 0;
const result = await autocannon({
  url,
  connections,
  duration: seconds,
  requests: [
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      onResponse: (_status: number, responseBody: string) => {
        if (responseBody.includes('"errors"')) graphqlErrors++;
      },
    },
  ],
});
process.stdout.write(JSON.stringify({ ...result, graphqlErrors }));
