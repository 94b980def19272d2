// Imported first by the benchmark: per-request info logs would measure the terminal, not the hub.
process.env.LOG_LEVEL ??= 'warn';
