// npm run bench:hostile -- --url http://127.0.0.1:4000/graphql --pid <hub pid> [options]
//
// Issue 23's "What we measured", replayed over HTTP against a running hub (`NODE_ENV=production npm
// start`), so the same script measures the hub before the fixes and after them. It only sends
// requests and reads /proc/<pid>/status: it starts nothing and imports nothing of the hub, so it runs
// against any version. One markdown row per finding: what was sent, the status, the code or headers,
// the time, and the figures (RSS for the memory findings).
//
// Options (--url, --pid and --jwt-secret fall back on HUB_URL, HUB_PID and HUB_JWT_SECRET):
//   --url <gateway /graphql URL>          http://127.0.0.1:4000/graphql
//   --subgraph-url <a subgraph's URL>     http://127.0.0.1:4001/graphql (geography)
//   --pid <pid>                           the hub process, for RSS (npm start: gateway and subgraphs in one process)
//   --server-log <file>                   the hub's stdout+stderr: lines each hostile input added (stack traces)
//   --jwt-secret <secret>                 sign tokens HS256 with this (HUB_JWT_SECRET of the hub), or
//   --jwks-port <port>                    sign RS256 and serve the public key at http://127.0.0.1:<port>/jwks.json
//   --issuer <iss> --audience <aud>       claims put in every token (HUB_JWT_ISSUER / HUB_JWT_AUDIENCE of the hub)
//   --key-file <file>                     the RS256 key, kept between runs (the hub caches the JWKS)
//   --gateway-secret <secret>             HUB_GATEWAY_SECRET: also send the subgraph probes signed as the gateway
//   --phases <list>                       probes,nested,load,csv,subgraph,memory-hostile,memory-tokens,slow (default: all)
//   --hostile-count 1000 --token-count 2500 --clients 8 --idle-seconds 60
//   --load-seconds 30 --slow-sockets 50 --slow-check-seconds 40
//   --json <file>                         the rows as JSON too
//
// Every request leaves from a loopback address of its own (127.1.x.y), except where a finding is
// about one client: a per-address rate limit answers for one address, not for the memory bounds or a
// cache's behaviour, and an attacker with many addresses does the same.
import { createHash, createHmac, createPrivateKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    url: { type: 'string' },
    'subgraph-url': { type: 'string' },
    pid: { type: 'string' },
    'server-log': { type: 'string' },
    'jwt-secret': { type: 'string' },
    'jwks-port': { type: 'string' },
    issuer: { type: 'string' },
    audience: { type: 'string' },
    'key-file': { type: 'string' },
    'gateway-secret': { type: 'string' },
    phases: { type: 'string' },
    'hostile-count': { type: 'string' },
    'token-count': { type: 'string' },
    clients: { type: 'string' },
    'idle-seconds': { type: 'string' },
    'load-seconds': { type: 'string' },
    'slow-sockets': { type: 'string' },
    'slow-check-seconds': { type: 'string' },
    json: { type: 'string' },
  },
});
/** The hub's own names for what it shares with the script; every other option is a flag only. */
const ENV_FALLBACK: Partial<Record<keyof typeof args, string>> = {
  url: 'HUB_URL',
  pid: 'HUB_PID',
  'jwt-secret': 'HUB_JWT_SECRET',
};
const opt = (name: keyof typeof args, fallback?: string): string | undefined => {
  const variable = ENV_FALLBACK[name];
  return (args[name] as string | undefined) ?? (variable ? process.env[variable] : undefined) ?? fallback;
};
const num = (name: keyof typeof args, fallback: number): number => Number(opt(name, String(fallback)));

const GATEWAY = new URL(opt('url', 'http://127.0.0.1:4000/graphql') as string);
const ORIGIN = GATEWAY.origin;
const SUBGRAPH = new URL(opt('subgraph-url', 'http://127.0.0.1:4001/graphql') as string);
const PID = opt('pid');
const SERVER_LOG = opt('server-log');
const JWT_SECRET = opt('jwt-secret');
const JWKS_PORT = opt('jwks-port');
const ISSUER = opt('issuer');
const AUDIENCE = opt('audience');
const GATEWAY_SECRET = opt('gateway-secret');
const PHASES = (opt('phases', 'probes,nested,load,csv,subgraph,memory-hostile,memory-tokens,slow') as string).split(
  ',',
);
const HOSTILE_COUNT = num('hostile-count', 1_000);
const TOKEN_COUNT = num('token-count', 2_500);
const CLIENTS = num('clients', 8);
const IDLE_SECONDS = num('idle-seconds', 60);
const LOAD_SECONDS = num('load-seconds', 30);
const SLOW_SOCKETS = num('slow-sockets', 50);
const SLOW_CHECK_SECONDS = num('slow-check-seconds', 40);

// ---------------------------------------------------------------------------------------------
// HTTP from a loopback address of its own

let addressCounter = 0;
/** 127.1.0.1, 127.1.0.2, ... : a new client address for each call. */
function nextAddress(): string {
  const n = addressCounter++;
  return `127.${1 + Math.floor(n / 65_000)}.${Math.floor((n % 65_000) / 254)}.${1 + (n % 254)}`;
}

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly ms: number;
  /** A socket error or a timeout instead of an answer. */
  readonly error?: string;
}

function send(
  url: URL | string,
  init: { method?: string; headers?: Record<string, string>; body?: string; from?: string; timeoutMs?: number } = {},
): Promise<Answer> {
  const target = typeof url === 'string' ? new URL(url) : url;
  const started = performance.now();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const done = (answer: Omit<Answer, 'ms'>) => resolve({ ...answer, ms: Math.round(performance.now() - started) });
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
        headers: {
          ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...init.headers,
        },
        localAddress: init.from ?? nextAddress(),
        agent: false,
      },
      (res) => {
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', (error) =>
          done({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
            error: error.message,
          }),
        );
      },
    );
    req.setTimeout(init.timeoutMs ?? 120_000, () =>
      req.destroy(new Error(`no answer in ${init.timeoutMs ?? 120_000} ms`)),
    );
    req.on('error', (error) => done({ status: 0, headers: {}, body: Buffer.alloc(0), error: error.message }));
    req.end(init.body);
  });
}

interface GraphQLBody {
  readonly query?: string;
  readonly variables?: unknown;
  readonly operationName?: string;
  readonly extensions?: unknown;
}

const post = (
  body: GraphQLBody | string,
  headers: Record<string, string> = {},
  target: URL = GATEWAY,
  timeoutMs?: number,
) =>
  send(target, {
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers,
    ...(timeoutMs ? { timeoutMs } : {}),
  });

interface GraphQLAnswer {
  data?: unknown;
  errors?: { message?: string; extensions?: Record<string, unknown> }[];
}
function json(answer: Answer): GraphQLAnswer | undefined {
  try {
    return JSON.parse(answer.body.toString('utf8')) as GraphQLAnswer;
  } catch {
    return undefined;
  }
}
const codeOf = (answer: Answer): string => {
  const errors = json(answer)?.errors;
  if (!errors?.length) return answer.error ? `(${answer.error})` : '-';
  return [...new Set(errors.map((e) => String(e.extensions?.code ?? 'no code')))].join(', ');
};
const messageOf = (answer: Answer): string => json(answer)?.errors?.[0]?.message ?? '';
const kb = (bytes: number) =>
  bytes >= 1_000_000 ? `${(bytes / 1e6).toFixed(2)} MB` : `${(bytes / 1e3).toFixed(1)} kB`;
const secs = (ms: number) => (ms >= 1_000 ? `${(ms / 1000).toFixed(1)} s` : `${ms} ms`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const clip = (text: string, n = 110) => {
  const flat = text.replaceAll('|', '\\|').replaceAll('\n', ' ');
  return flat.length > n ? `${flat.slice(0, n)}…` : flat;
};

// ---------------------------------------------------------------------------------------------
// Process memory and the hub's log

function rssMb(): number | null {
  if (!PID) return null;
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${PID}/status`, 'utf8'));
    return match?.[1] ? Math.round(Number(match[1]) / 1024) : null;
  } catch {
    return null;
  }
}

/** CPU seconds the hub process has used (user + system), from /proc/<pid>/stat; independent of other load on the machine. */
function cpuSeconds(): number | null {
  if (!PID) return null;
  try {
    const fields = readFileSync(`/proc/${PID}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // utime and stime are fields 14 and 15 of the file, 12 and 13 after "pid (comm) ", in clock ticks (100 a second).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}
/** CPU seconds the hub spent while `run` ran. */
async function cpuOf<T>(run: () => Promise<T>): Promise<[T, string]> {
  const before = cpuSeconds();
  const result = await run();
  const after = cpuSeconds();
  return [result, before === null || after === null ? '' : `hub CPU ${(after - before).toFixed(1)} s`];
}
const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/** What the hub wrote to its log while `run` ran: a summary (lines, stack frames) and the text. */
async function logged<T>(run: () => Promise<T>): Promise<[T, string, string]> {
  const size = () => (SERVER_LOG && existsSync(SERVER_LOG) ? statSync(SERVER_LOG).size : 0);
  const before = size();
  const result = await run();
  if (!SERVER_LOG) return [result, '', ''];
  await sleep(300);
  const after = size();
  if (after <= before) return [result, 'log: 0 lines', ''];
  const text = readFileSync(SERVER_LOG).subarray(before, after).toString('utf8');
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const frames = lines.filter((l) => /^\s+at /.test(l)).length;
  const json = lines.filter((l) => l.startsWith('{')).length;
  return [result, `log: ${lines.length} lines (${frames} stack-frame lines, ${json} JSON lines)`, text];
}

/** The services whose log lines in `text` carry a request id longer than 128 characters, with its length. */
function longRequestIds(text: string): string[] {
  return text.split('\n').flatMap((line) => {
    try {
      const entry = JSON.parse(line) as { service?: string; requestId?: unknown };
      return typeof entry.requestId === 'string' && entry.requestId.length > 128
        ? [`${entry.service ?? '?'} (${entry.requestId.length} chars)`]
        : [];
    } catch {
      return [];
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Tokens: HS256 with the hub's secret, or RS256 with a key whose JWKS this script serves

const KID = 'hostile-findings-1';
let rsaKey: KeyObject | null = null;
async function startJwks(): Promise<void> {
  if (!JWKS_PORT) return;
  const file = opt('key-file', join(tmpdir(), 'hostile-findings-rs256.pem')) as string;
  if (!existsSync(file)) {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  }
  rsaKey = createPrivateKey(readFileSync(file));
  const jwk = { ...rsaKey.export({ format: 'jwk' }) };
  const publicJwk = { kty: jwk.kty, n: jwk.n, e: jwk.e, kid: KID, alg: 'RS256', use: 'sig' };
  const server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [publicJwk] }));
  });
  await new Promise<void>((resolve) => server.listen(Number(JWKS_PORT), '127.0.0.1', resolve));
  server.unref();
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
let subjects = 0;
/** A token; `exp: null` / `iat: null` leave the claim out. A new subject each time unless given. */
function mint(claims: Record<string, unknown> & { exp?: number | null; iat?: number | null }): string {
  const now = Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = {
    sub: `hostile-findings-${process.pid}-${subjects++}`,
    ...(ISSUER ? { iss: ISSUER } : {}),
    ...(AUDIENCE ? { aud: AUDIENCE } : {}),
    iat: now,
    exp: now + 600,
    ...claims,
  };
  for (const key of ['exp', 'iat']) if (payload[key] === null) delete payload[key];
  if (rsaKey) {
    const input = `${b64url({ alg: 'RS256', typ: 'JWT', kid: KID })}.${b64url(payload)}`;
    return `${input}.${sign('sha256', Buffer.from(input), rsaKey).toString('base64url')}`;
  }
  if (!JWT_SECRET) throw new Error('no --jwt-secret or --jwks-port: cannot sign tokens');
  const input = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url(payload)}`;
  return `${input}.${createHmac('sha256', JWT_SECRET).update(input).digest('base64url')}`;
}
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const canSign = () => Boolean(rsaKey || JWT_SECRET);

// ---------------------------------------------------------------------------------------------
// Rows

interface Row {
  readonly finding: string;
  readonly sent: string;
  readonly status: string;
  readonly code: string;
  readonly duration: string;
  readonly figures: string;
}
const rows: Row[] = [];
function row(r: Row): void {
  rows.push(r);
  console.log(
    `| ${[r.finding, r.sent, r.status, r.code, r.duration, r.figures].map((c) => clip(c, 400)).join(' | ')} |`,
  );
}
const statusOf = (a: Answer) => (a.error && a.status === 0 ? `no answer (${a.error})` : String(a.status));

// ---------------------------------------------------------------------------------------------
// Shared documents

const NESTED =
  '{ stp(code:"QJM") { region { stps { region { stps { region { stps { region { stps { region { stps { code } } } } } } } } } } } }';
const QUIET = '{ regions { code } }';
const NORMAL = '{ stp(code: "QJM") { name population region { name } financialGap { combinedGbpM } } }';
const RANKINGS =
  'query RegionRankings($code: ID!, $asOf: Date, $by: RegionFinanceRankOrder = COMBINED_GAP) { regionSnapshot(code: $code, asOf: $asOf) { regionCode asOf financialSummary { combinedGapGbpM rankings(by: $by) { rank stpCode valueGbpM } } } }';
const salt = () => `#salt-${process.pid}-${Math.random().toString(36).slice(2)}`;

/** A date no earlier run of this script asked for, so no answer to it is cached yet. */
let dayOffset = Math.floor(Math.random() * 1_500);
function freshDate(): string {
  const date = new Date(Date.UTC(2019, 5, 1) + dayOffset++ * 86_400_000);
  return date.toISOString().slice(0, 10);
}

let regionCode = 'Y60';
async function pickRegion(): Promise<void> {
  const answer = json(await post({ query: QUIET }));
  const codes = ((answer?.data as { regions?: { code: string }[] } | undefined)?.regions ?? []).map((r) => r.code);
  if (codes.length && !codes.includes(regionCode)) regionCode = codes[0] as string;
}

const rankingsOf = (answer: Answer): unknown =>
  (json(answer)?.data as { regionSnapshot?: { financialSummary?: { rankings?: unknown } } } | undefined)?.regionSnapshot
    ?.financialSummary?.rankings;
const rankingsSummary = (answer: Answer) => {
  const rankings = rankingsOf(answer);
  return Array.isArray(rankings) ? `rankings: ${rankings.length} rows` : 'rankings: null';
};

/** fast-json-stable-stringify's output for plain JSON: keys sorted at every level. */
function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
}

// ---------------------------------------------------------------------------------------------
// Phases

async function probes(): Promise<void> {
  // Medium: a scope with a space in it shares the director's cache session.
  if (canSign()) {
    // The same request three times: the spaced token alone, a director, the spaced token again.
    const body = {
      query: RANKINGS,
      operationName: 'RegionRankings',
      variables: { code: regionCode, asOf: freshDate() },
    };
    const spaced = () => mint({ roles: ['openid region:director'] });
    const alone = await post(body, bearer(spaced()));
    const director = await post(body, bearer(mint({ scope: 'openid region:director' })));
    const shared = await post(body, bearer(spaced()));
    row({
      finding: 'Medium: roles ["openid region:director"] shares a director\'s cached RegionRankings',
      sent: `RegionRankings(${regionCode}) with a token whose roles claim is one entry "openid region:director": alone, then after a director (scope "openid region:director") ran the same request`,
      status: `alone ${statusOf(alone)}; after the director ${statusOf(shared)} (director ${statusOf(director)})`,
      code: `alone ${codeOf(alone)}; after the director ${codeOf(shared)}`,
      duration: `after the director ${secs(shared.ms)}`,
      figures: `alone ${rankingsSummary(alone)}; director ${rankingsSummary(director)}; after the director ${rankingsSummary(shared)}`,
    });
  }

  // Low: the ETag is an oracle.
  if (canSign()) {
    const variables = { code: regionCode, asOf: freshDate() };
    const params = new URLSearchParams({
      query: RANKINGS,
      operationName: 'RegionRankings',
      variables: JSON.stringify(variables),
    });
    const url = `${GATEWAY.href}?${params}`;
    const computed = `g0:${createHash('sha256')
      .update([RANKINGS, 'RegionRankings', stableStringify(variables), 'region:director'].join('|'))
      .digest('hex')}`;
    const get = (headers: Record<string, string>) =>
      send(url, { headers: { 'apollo-require-preflight': 'true', ...headers } });
    const first = await get({ 'if-none-match': computed });
    const director = await get(bearer(mint({ scope: 'region:director' })));
    const directorEtag = String(director.headers.etag ?? '');
    const probe = await get({ 'if-none-match': computed });
    const replay = directorEtag ? await get({ 'if-none-match': directorEtag }) : undefined;
    row({
      finding: 'Low: the ETag is an oracle (anonymous If-None-Match answers 304 once a director has run the query)',
      sent: `anonymous GET RegionRankings(${regionCode}) with If-None-Match: g0:sha256(document|operation|variables|region:director), before and after a director's GET; then with the director's own ETag`,
      status: `before the director ${statusOf(first)}; after ${statusOf(probe)}; director's ETag replayed ${replay ? statusOf(replay) : 'n/a (no ETag)'}`,
      code: `director's ETag ${directorEtag ? (directorEtag === computed ? '= the computed one' : `≠ the computed one (${clip(directorEtag, 24)})`) : 'absent'}`,
      duration: `${secs(probe.ms)}`,
      figures: `after: ${probe.body.length} bytes, ${rankingsSummary(probe)}${replay ? `; replay: ${replay.body.length} bytes, ${rankingsSummary(replay)}` : ''}`,
    });
  }

  // Low: hostile input gives 500s.
  {
    let deep = '0';
    for (let i = 0; i < 200_000; i++) deep = `[${deep}]`;
    const body = `{"query":"{ regions { code } }","variables":{"v":${deep}}}`;
    const [answer, log] = await logged(() => post(body));
    row({
      finding: 'Low: variables nested 200,000 deep',
      sent: `POST { regions { code } } with variables {"v": [[[…]]]} 200,000 deep (${kb(body.length)})`,
      status: statusOf(answer),
      code: `${codeOf(answer)}: ${clip(messageOf(answer), 90)}`,
      duration: secs(answer.ms),
      figures: log,
    });
  }
  {
    const [answer, log] = await logged(() => send(`${ORIGIN}/exports/regions/%/stps.csv`));
    row({
      finding: 'Low: malformed URI escape in an export path',
      sent: 'GET /exports/regions/%/stps.csv',
      status: statusOf(answer),
      code: `${codeOf(answer)}: ${clip(messageOf(answer), 90)}`,
      duration: secs(answer.ms),
      figures: log,
    });
  }
  {
    const query = 'query Q($f: StpFilter) { stps(filter: $f) { nodes { code } } }';
    const [variable, logVariable] = await logged(() => post({ query, variables: { f: { nameContains: 'a\u0000b' } } }));
    row({
      finding: 'Low: NUL in nameContains (a variable)',
      sent: 'stps(filter: $f) with {"f": {"nameContains": "a\\u0000b"}}',
      status: statusOf(variable),
      code: `${codeOf(variable)}: ${clip(messageOf(variable), 90)}`,
      duration: secs(variable.ms),
      figures: logVariable,
    });
    const [literal, logLiteral] = await logged(() =>
      post({ query: '{ stps(filter: { nameContains: "a\\u0000b" }) { nodes { code } } }' }),
    );
    row({
      finding: 'Low: NUL in nameContains (a literal)',
      sent: '{ stps(filter: { nameContains: "a\\u0000b" }) { nodes { code } } }',
      status: statusOf(literal),
      code: `${codeOf(literal)}: ${clip(messageOf(literal), 90)}`,
      duration: secs(literal.ms),
      figures: logLiteral,
    });
  }

  // Low: production still suggests.
  {
    const enumAnswer = await post({
      query: `{ regionSnapshot(code: "${regionCode}") { financialSummary { rankings(by: COMBINED) { rank } } } }`,
    });
    const fieldAnswer = await post({ query: '{ regions { cod } }' });
    const suggests = (a: Answer) => (/did you mean/i.test(messageOf(a)) ? 'suggests' : 'no suggestion');
    row({
      finding: 'Low: production suggests enum values (and fields)',
      sent: 'rankings(by: COMBINED); { regions { cod } }',
      status: `enum ${statusOf(enumAnswer)}; field ${statusOf(fieldAnswer)}`,
      code: `${codeOf(enumAnswer)}; ${codeOf(fieldAnswer)}`,
      duration: secs(enumAnswer.ms),
      figures: `enum ${suggests(enumAnswer)}: "${clip(messageOf(enumAnswer), 120)}"; field ${suggests(fieldAnswer)}: "${clip(messageOf(fieldAnswer), 80)}"`,
    });
  }

  // Low: lax token checks.
  if (canSign()) {
    const now = Math.floor(Date.now() / 1000);
    const ask = (token: string) =>
      post(
        { query: RANKINGS, operationName: 'RegionRankings', variables: { code: regionCode, asOf: freshDate() } },
        bearer(token),
      );
    const noExp = await ask(mint({ scope: 'region:director', exp: null }));
    const future = await ask(mint({ scope: 'region:director', iat: 4_102_444_800, exp: 4_102_444_800 + 600 }));
    const control = await ask(mint({ scope: 'region:director', iat: now, exp: now + 600 }));
    row({
      finding: 'Low: a token without exp / with iat in 2100',
      sent: 'RegionRankings with a region:director token: no exp; iat 2100-01-01 (exp 10 min later); a normal one for control',
      status: `no exp ${statusOf(noExp)}; iat 2100 ${statusOf(future)}; control ${statusOf(control)}`,
      code: `no exp ${codeOf(noExp)}; iat 2100 ${codeOf(future)}`,
      duration: secs(noExp.ms),
      figures: `no exp ${rankingsSummary(noExp)} "${clip(messageOf(noExp), 70)}"; iat 2100 ${rankingsSummary(future)} "${clip(messageOf(future), 70)}"; control ${rankingsSummary(control)}`,
    });
  }

  // Low: oversized values pass through.
  {
    const id = 'r'.repeat(8_000);
    const [answer, log, text] = await logged(() => post({ query: `${QUIET} ${salt()}` }, { 'x-request-id': id }));
    const forwarded = longRequestIds(text);
    const echoed = String(answer.headers['x-request-id'] ?? '');
    const inBody = json(answer)?.errors?.[0]?.extensions?.requestId;
    row({
      finding: 'Low: a request id of 8,000 characters',
      sent: 'POST { regions { code } } #salt (a cache miss, so the subgraph is asked) with x-request-id: 8,000 × "r"',
      status: statusOf(answer),
      code: `${codeOf(answer)}; x-request-id answered: ${echoed ? `${echoed.length} chars${echoed === id ? ' (the one sent)' : ''}` : 'none'}`,
      duration: secs(answer.ms),
      figures: `${inBody ? `requestId in the body: ${String(inBody).length} chars; ` : ''}logged with the long id by: ${forwarded.length ? forwarded.join(', ') : 'nobody'}; ${log}`,
    });
  }
  {
    const query = 'query Q($f: StpFilter) { stps(filter: $f) { nodes { code } } }';
    const [answer, log] = await logged(() => post({ query, variables: { f: { nameContains: 'a'.repeat(900_000) } } }));
    row({
      finding: 'Low: a 900 kB string in variables',
      sent: 'stps(filter: $f) with nameContains of 900,000 characters',
      status: statusOf(answer),
      code: `${codeOf(answer)}: ${clip(messageOf(answer), 90)}`,
      duration: secs(answer.ms),
      figures: log,
    });
  }
}

async function nested(): Promise<void> {
  const quiet: number[] = [];
  for (let i = 0; i < 5; i++) quiet.push((await post({ query: QUIET })).ms);
  const cpuBefore = cpuSeconds();
  const running = post({ query: NESTED }, {}, GATEWAY, 180_000);
  await sleep(300);
  const during = await post({ query: QUIET });
  const answer = await running;
  const cpuAfter = cpuSeconds();
  const cpu = cpuBefore === null || cpuAfter === null ? '' : `; hub CPU ${(cpuAfter - cpuBefore).toFixed(1)} s`;
  row({
    finding: 'High: one short anonymous query slows the whole hub',
    sent: `the nested stp/region/stps query (${Buffer.byteLength(NESTED)} bytes as quoted in the issue; depth 11, no aliases); { regions { code } } 300 ms into it`,
    status: statusOf(answer),
    code: `${codeOf(answer)}${answer.status >= 400 ? `: ${clip(messageOf(answer), 100)}` : ''}`,
    duration: secs(answer.ms),
    figures: `${kb(answer.body.length)}; { regions { code } } during it ${secs(during.ms)} (${statusOf(during)}), quiet ${quiet.map((ms) => secs(ms)).join(', ')}${cpu}`,
  });
  const again = await post({ query: NESTED }, {}, GATEWAY, 180_000);
  const [salted, saltedCpu] = await cpuOf(() => post({ query: `${NESTED} ${salt()}` }, {}, GATEWAY, 180_000));
  const saltedCheap = [await post({ query: `${NORMAL} ${salt()}` }), await post({ query: `${NORMAL} ${salt()}` })];
  const cheap = [await post({ query: NORMAL }), await post({ query: NORMAL })];
  row({
    finding: 'High: a #salt comment makes every copy a cache miss',
    sent: 'the nested query again as it was, then with " #salt-<random>" appended; a cheap STP query twice as is and twice salted',
    status: `as is ${statusOf(again)}; salted ${statusOf(salted)}`,
    code: `${codeOf(salted)}`,
    duration: `as is ${secs(again.ms)}; salted ${secs(salted.ms)}`,
    figures: `salted ${kb(salted.body.length)}, ${saltedCpu}; cheap query as is ${cheap.map((a) => secs(a.ms)).join(', ')}, salted ${saltedCheap.map((a) => secs(a.ms)).join(', ')}`,
  });
}

async function load(): Promise<void> {
  // Three clients repeat the nested query (salted, so each is a miss) for LOAD_SECONDS, each from one
  // address of its own; a prober sends a normal STP query every 500 ms from fresh addresses.
  const cpuBefore = cpuSeconds();
  const stopAt = performance.now() + LOAD_SECONDS * 1000;
  const attackers = ['127.9.0.1', '127.9.0.2', '127.9.0.3'];
  const attackStatuses = new Map<string, number>();
  const attack = attackers.map(async (from) => {
    while (performance.now() < stopAt) {
      const answer = await send(GATEWAY, {
        body: JSON.stringify({ query: `${NESTED} ${salt()}` }),
        from,
        timeoutMs: 120_000,
      });
      const key = answer.status === 0 ? 'no answer' : String(answer.status);
      attackStatuses.set(key, (attackStatuses.get(key) ?? 0) + 1);
      if (answer.status === 429) await sleep(Number(answer.headers['retry-after'] ?? 1) * 1000);
    }
  });
  const normal: Answer[] = [];
  const probes: Promise<void>[] = [];
  while (performance.now() < stopAt) {
    probes.push(post({ query: NORMAL }, {}, GATEWAY, 120_000).then((a) => void normal.push(a)));
    await sleep(500);
  }
  await Promise.all([...attack, ...probes]);
  const ms = normal.map((a) => a.ms).sort((a, b) => a - b);
  const pick = (q: number) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] ?? 0;
  const failed = normal.filter((a) => a.status !== 200 || json(a)?.errors?.length);
  const codes = [...new Set(failed.map(codeOf))].join(', ');
  row({
    finding: 'High: three clients repeating the query slow normal queries',
    sent: `3 clients (one address each) repeating the nested query, salted, for ${LOAD_SECONDS} s; a normal STP query every 500 ms`,
    status: `attackers: ${[...attackStatuses].map(([s, n]) => `${s}×${n}`).join(', ')}`,
    code: failed.length ? `${failed.length} normal queries failed: ${codes}` : 'normal queries: no failures',
    duration: `normal: p50 ${secs(pick(0.5))}, p99 ${secs(pick(0.99))}, max ${secs(ms.at(-1) ?? 0)}`,
    figures: `${normal.length} normal queries, min ${secs(ms[0] ?? 0)}; RSS ${rssMb() ?? '?'} MB after; hub CPU ${((cpuSeconds() ?? 0) - (cpuBefore ?? 0)).toFixed(1)} s`,
  });
}

/** A tiny RFC 4180 reader: cells of each record, quotes honoured. */
function readCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      record.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      record.push(cell);
      records.push(record);
      record = [];
      cell = '';
      i++;
    } else if (c === '\n') {
      record.push(cell);
      records.push(record);
      record = [];
      cell = '';
    } else cell += c;
  }
  if (cell !== '' || record.length) records.push([...record, cell]);
  return records;
}

async function csv(): Promise<void> {
  const answer = await send(`${ORIGIN}/exports/stps.csv?asOf=2018-06-01`);
  const text = answer.body.toString('utf8');
  if (!text.includes('approx')) {
    row({
      finding: 'Low: CSV injection through a bare LF',
      sent: 'GET /exports/stps.csv?asOf=2018-06-01',
      status: statusOf(answer),
      code: '-',
      duration: secs(answer.ms),
      figures: 'the payload "approx\\n=2+3" is not in the export: load it first (npm run load, see the results file)',
    });
    return;
  }
  const lines = text.split(/\r\n|\n|\r/);
  const formulaLines = lines.filter((l) => l.startsWith('=2+3'));
  // What a spreadsheet reads: cells, and any line inside a cell that starts a formula.
  const cells = readCsv(text).flat();
  const live = cells.flatMap((c) => c.split(/\r\n|\n|\r/)).filter((l) => /^[=+\-@\t]/.test(l));
  const at = text.indexOf('approx');
  row({
    finding: 'Low: CSV injection through a bare LF',
    sent: 'workforce qualifier "approx\\n=2+3" loaded with npm run load; GET /exports/stps.csv?asOf=2018-06-01',
    status: statusOf(answer),
    code: `the payload as written: ${JSON.stringify(text.slice(at - 2, at + 13))}`,
    duration: secs(answer.ms),
    figures: `lines starting "=2+3": ${formulaLines.length}; lines inside cells that start with = + - @ tab: ${live.length}${live.length ? ` (${clip(live.slice(0, 2).join(' / '), 60)})` : ''}`,
  });
}

async function subgraph(): Promise<void> {
  let deep = 'code';
  for (let i = 0; i < 6; i++) deep = `region { stps { ${deep} } }`;
  const depth13 = `{ stp(code:"QJM") { ${deep} } }`;
  const aliases = `{ ${Array.from({ length: 200 }, (_, i) => `a${i}: regions { code }`).join(' ')} }`;
  const signature = (): Record<string, string> => {
    if (!GATEWAY_SECRET) return {};
    const t = Math.floor(Date.now() / 1000);
    const v1 = createHmac('sha256', GATEWAY_SECRET).update(`hub-gateway:${t}`).digest('hex');
    return { 'x-hub-gateway-signature': `t=${t},v1=${v1}` };
  };
  const kinds: [string, string][] = [
    ['depth 13', depth13],
    ['200 aliases', aliases],
    ['field suggestion', '{ regions { cod } }'],
    ['_service { sdl }', '{ _service { sdl } }'],
  ];
  for (const signed of GATEWAY_SECRET ? [false, true] : [false]) {
    const parts: string[] = [];
    const statuses: string[] = [];
    const codes: string[] = [];
    const times: string[] = [];
    for (const [name, query] of kinds) {
      const [answer, cpu] = await cpuOf(() => post({ query }, signed ? signature() : {}, SUBGRAPH, 180_000));
      statuses.push(`${name} ${statusOf(answer)}`);
      codes.push(`${name} ${codeOf(answer)}`);
      times.push(`${name} ${secs(answer.ms)}`);
      const suggestion = /did you mean/i.test(messageOf(answer)) ? ', "Did you mean"' : '';
      const refused = answer.status >= 400 && !suggestion ? ` "${clip(messageOf(answer), 70)}"` : '';
      parts.push(
        `${name} ${kb(answer.body.length)}${suggestion}${refused}${cpu && answer.ms > 1_000 ? ` (${cpu})` : ''}`,
      );
    }
    row({
      finding: `Low: the subgraphs enforce none of the gateway's limits (direct to ${SUBGRAPH.host}${signed ? ', signed as the gateway' : ''})`,
      sent: `POST ${SUBGRAPH.pathname} on ${SUBGRAPH.host}${signed ? ' with a valid x-hub-gateway-signature' : ', no credentials'}: depth 13 (stp + 6 × region/stps), 200 aliases, { regions { cod } }, { _service { sdl } }`,
      status: statuses.join('; '),
      code: codes.join('; '),
      duration: times.join('; '),
      figures: parts.join('; '),
    });
  }
}

/** Runs `count` requests from `clients` concurrent clients; returns status counts and seconds taken. */
async function flood(
  count: number,
  make: (i: number) => string,
  label: (i: number) => string,
  watch: () => void,
): Promise<{ statuses: Map<string, number>; seconds: number; lastRate: number }> {
  const statuses = new Map<string, number>();
  let next = 0;
  let finished = 0;
  const started = performance.now();
  let tailStart = 0;
  const tail = Math.max(1, Math.floor(count / 5));
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < count) {
        const i = next++;
        const answer = await post(make(i), {}, GATEWAY, 60_000);
        const key = `${label(i)} ${answer.status === 0 ? 'no answer' : answer.status}`;
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
        finished++;
        if (finished === count - tail) tailStart = performance.now();
        watch();
      }
    }),
  );
  const ended = performance.now();
  return {
    statuses,
    seconds: Math.round((ended - started) / 100) / 10,
    lastRate: tailStart ? Math.round((tail / ((ended - tailStart) / 1000)) * 10) / 10 : 0,
  };
}

async function memoryRun(
  finding: string,
  sent: string,
  count: number,
  make: (i: number) => string,
  label: (i: number) => string,
) {
  const start = rssMb();
  let peak = start ?? 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssMb() ?? 0);
  }, 250);
  let sent100 = 0;
  const [{ statuses, seconds, lastRate }, cpu] = await cpuOf(() =>
    flood(count, make, label, () => {
      if (++sent100 % 500 === 0) console.error(`  ${sent100}/${count} sent, RSS ${rssMb()} MB`);
    }),
  );
  const end = rssMb();
  await sleep(IDLE_SECONDS * 1000);
  clearInterval(sampler);
  const idle = rssMb();
  const bytes = Array.from({ length: Math.min(count, 200) }, (_, i) => make(i).length);
  const average = bytes.reduce((a, b) => a + b, 0) / bytes.length;
  row({
    finding,
    sent: `${sent}; ${count} requests averaging ${kb(average)}, ${CLIENTS} clients, each request from its own address`,
    status: [...statuses].map(([k, n]) => `${k}: ${n}`).join(', '),
    code: '-',
    duration: `${seconds} s (${Math.round((count / seconds) * 10) / 10} req/s; last fifth ${lastRate} req/s)${cpu ? `; ${cpu}` : ''}`,
    figures: `RSS ${start ?? '?'} MB at start, peak ${peak} MB, ${end ?? '?'} MB at the end, ${idle ?? '?'} MB after ${IDLE_SECONDS} s idle`,
  });
}

/** One hostile request of 40-50 kB, of four kinds in turn, each distinct (as bench/soak.ts sends them). */
function hostile(i: number): string {
  const size = 40_000 + ((i * 7919) % 10_000);
  const tag = `${process.pid}-${i}`;
  switch (i % 4) {
    case 0:
      return JSON.stringify({ query: `{ stp(code: "QJM") { ${'code '.repeat(Math.floor(size / 5))} } } # ${tag}` });
    case 1: {
      const head = `{ stp(code: "QJM") { name } } # ${tag} `;
      return JSON.stringify({ query: head + 'x'.repeat(size - head.length) });
    }
    case 2: {
      const query = `{ regions { code } } # ${tag} ${'y'.repeat(size - 40)}`;
      const sha256Hash = createHash('sha256').update(query).digest('hex');
      return JSON.stringify({ query, extensions: { persistedQuery: { version: 1, sha256Hash } } });
    }
    default: {
      const pieces = Array.from({ length: Math.ceil(size / 900) }, (_, j) => `${tag}-${j}-${'z'.repeat(880)}`);
      return JSON.stringify({
        query: 'query Q($code: ID!) { stp(code: $code) { name } }',
        variables: { code: 'QJM', pad: pieces },
      });
    }
  }
}
const HOSTILE_KINDS = ['token-limit', 'distinct-valid', 'apq', 'large-variables'];

/** A document of 40-50 kB refused by the token limit (4,000) alone: distinct, under the 50,000-character document limit. */
function overTokenLimit(i: number): string {
  const size = 40_000 + ((i * 7919) % 10_000);
  return JSON.stringify({
    query: `{ stp(code: "QJM") { ${'code '.repeat(Math.floor(size / 5))} } } # ${process.pid}-${i}`,
  });
}

async function slow(): Promise<void> {
  interface Slow {
    socket: Socket;
    closedAt: number | null;
    answered: string;
  }
  const started = performance.now();
  const open = (kind: 'header' | 'body'): Promise<Slow> =>
    new Promise((resolve) => {
      const socket = connect({ host: GATEWAY.hostname, port: Number(GATEWAY.port), localAddress: nextAddress() });
      const entry: Slow = { socket, closedAt: null, answered: '' };
      socket.on('data', (chunk: Buffer) => {
        if (!entry.answered) entry.answered = chunk.toString('latin1').split('\r\n')[0] ?? '';
      });
      socket.on('error', () => undefined);
      socket.on('close', () => {
        entry.closedAt = performance.now() - started;
      });
      socket.on('connect', () => {
        if (kind === 'header') socket.write(`POST ${GATEWAY.pathname} HTTP/1.1\r\nHost: ${GATEWAY.host}\r\n`);
        else
          socket.write(
            `POST ${GATEWAY.pathname} HTTP/1.1\r\nHost: ${GATEWAY.host}\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n{`,
          );
        resolve(entry);
      });
    });
  const headers = await Promise.all(Array.from({ length: SLOW_SOCKETS }, () => open('header')));
  const bodies = await Promise.all(Array.from({ length: SLOW_SOCKETS }, () => open('body')));
  // One more byte every 2 s on each: slow, not silent.
  let n = 0;
  const trickle = setInterval(() => {
    n++;
    for (const s of headers) if (s.closedAt === null) s.socket.write(`x-slow-${n}: 1\r\n`);
    for (const s of bodies) if (s.closedAt === null) s.socket.write(' ');
  }, 2_000);
  const stillOpen = (list: Slow[]) => list.filter((s) => s.closedAt === null).length;
  const samples: string[] = [];
  for (let t = 10; t <= SLOW_CHECK_SECONDS; t += 10) {
    await sleep(started + t * 1000 - performance.now());
    samples.push(`${t} s: ${stillOpen(headers)}/${stillOpen(bodies)}`);
  }
  clearInterval(trickle);
  const closeTimes = (list: Slow[]) => {
    const times = list.flatMap((s) => (s.closedAt === null ? [] : [s.closedAt]));
    return times.length ? `${secs(Math.min(...times))}-${secs(Math.max(...times))}` : 'none closed';
  };
  const answers = [...new Set([...headers, ...bodies].map((s) => s.answered).filter(Boolean))].join('; ') || 'none';
  row({
    finding: 'Low: slow sockets are never closed',
    sent: `${SLOW_SOCKETS} slow-header sockets (request line, then a header line every 2 s) and ${SLOW_SOCKETS} slow-body sockets (content-length 100000, a byte every 2 s)`,
    status: `still open at ${SLOW_CHECK_SECONDS} s: ${stillOpen(headers)} slow-header, ${stillOpen(bodies)} slow-body`,
    code: `server answered: ${answers}`,
    duration: `closed after: header ${closeTimes(headers)}, body ${closeTimes(bodies)}`,
    figures: `open header/body at ${samples.join(', ')}`,
  });
  for (const s of [...headers, ...bodies]) s.socket.destroy();
}

// ---------------------------------------------------------------------------------------------

await startJwks();
console.log(
  `Target ${GATEWAY.href} (subgraph ${SUBGRAPH.href}); hub pid ${PID ?? 'not given'}, RSS ${rssMb() ?? '?'} MB; load average ${loadAverage()}; tokens ${rsaKey ? `RS256 from the JWKS at http://127.0.0.1:${JWKS_PORT}/jwks.json` : JWT_SECRET ? 'HS256 with the given secret' : 'none'}; phases ${PHASES.join(',')}; ${new Date().toISOString()}`,
);
console.log();
console.log('| finding | sent | status | code / headers | duration | figures |');
console.log('| --- | --- | --- | --- | --- | --- |');
await pickRegion();
if (PHASES.includes('memory-hostile'))
  await memoryRun(
    'High: memory grows under hostile requests and does not come back',
    'a mix of four kinds in turn (as npm run soak): token-limit refusals, distinct valid documents (a comment makes each new), APQ registrations, large variables',
    HOSTILE_COUNT,
    hostile,
    (i) => HOSTILE_KINDS[i % 4] as string,
  );
if (PHASES.includes('memory-tokens'))
  await memoryRun(
    'High: documents refused by the token limit alone grow memory',
    '{ stp(code: "QJM") { code code … } } # <n>: over 4,000 tokens, under 50,000 characters, each distinct',
    TOKEN_COUNT,
    overTokenLimit,
    () => 'token-limit',
  );
if (PHASES.includes('probes')) await probes();
if (PHASES.includes('csv')) await csv();
if (PHASES.includes('nested')) await nested();
if (PHASES.includes('load')) await load();
if (PHASES.includes('subgraph')) await subgraph();
if (PHASES.includes('slow')) await slow();
console.log();
console.log(`RSS at the end: ${rssMb() ?? '?'} MB; load average ${loadAverage()}; ${new Date().toISOString()}`);
const jsonFile = opt('json');
if (jsonFile) writeFileSync(jsonFile, `${JSON.stringify({ target: GATEWAY.href, rows }, null, 2)}\n`);
process.exit(0);
