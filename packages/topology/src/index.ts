export * from './postgres.js';
export * from './processes.js';
