// npm run mock [-- --port 4010]
// Serves the API schema (schema/api.graphql) with mock data for UI work without a database: the
// real STP and region codes and names, made-up figures, every source text marked MOCK DATA.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { startMockServer } from '../gateway/src/mock.js';

export const MOCK_PORT = 4010;

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const { values } = parseArgs({ options: { port: { type: 'string' }, host: { type: 'string' } } });
  const server = await startMockServer(values.port ? Number(values.port) : MOCK_PORT, values.host ?? '127.0.0.1');
  console.log(`Mock NHS region data hub (made-up figures, real codes) at ${server.url}`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
