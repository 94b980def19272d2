// Imported first by the benchmark and the soak, before anything loads graphql-js: per-request
// info logs would measure the terminal, and graphql-js picks its cheaper production checks at
// load time. The monolith runs in the same process, so both sides get the same mode.
process.env.LOG_LEVEL ??= 'warn';
process.env.NODE_ENV ??= 'production';
// Production subgraphs answer only calls signed with the gateway's key (docs/security.md): one key
// for every process the bench starts, so the hub's gateways and its peers alike can call them.
process.env.HUB_GATEWAY_SECRET ??= 'bench-only-gateway-key-never-deployed-0123456789';
