// Imported before @apollo/gateway: the stock gateway otherwise probes cloud-metadata addresses and
// reports usage at start-up. The hub never phones home.
process.env.APOLLO_TELEMETRY_DISABLED = '1';
process.env.TURBO_TELEMETRY_DISABLED = '1';
