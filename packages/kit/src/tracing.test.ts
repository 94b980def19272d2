import { describe, expect, it } from 'vitest';
import { readEnv } from './env.js';
import { startTracingFromEnv, tracesExporterOf, tracingOn } from './tracing.js';

describe('tracing is off unless OTEL_* configures it', () => {
  it('stays off with no OTEL_* variable, and nothing starts', async () => {
    expect(tracesExporterOf(readEnv({}))).toBeUndefined();
    expect(await startTracingFromEnv(readEnv({}))).toBe(false);
    expect(tracingOn()).toBe(false);
  });

  it('sends OTLP once an endpoint is named, or prints with the console exporter', () => {
    expect(tracesExporterOf(readEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }))).toBe('otlp');
    expect(tracesExporterOf(readEnv({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' }))).toBe('otlp');
    expect(tracesExporterOf(readEnv({ OTEL_TRACES_EXPORTER: 'otlp' }))).toBe('otlp');
    expect(tracesExporterOf(readEnv({ OTEL_TRACES_EXPORTER: 'console' }))).toBe('console');
  });

  it('is off whatever else is set when OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(tracesExporterOf(readEnv({ ...endpoint, OTEL_SDK_DISABLED: 'TRUE' }))).toBeUndefined();
    expect(tracesExporterOf(readEnv({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' }))).toBeUndefined();
    expect(tracesExporterOf(readEnv({ ...endpoint, OTEL_SDK_DISABLED: 'false' }))).toBe('otlp');
  });

  it('refuses at start-up what it cannot honour, saying why', () => {
    expect(() => readEnv({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(/no gRPC exporter/);
    expect(() => readEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT/);
    expect(() => readEnv({ OTEL_TRACES_SAMPLER_ARG: '2' })).toThrow(/OTEL_TRACES_SAMPLER_ARG/);
    expect(() => readEnv({ HUB_METRICS: 'yes' })).toThrow(/HUB_METRICS/);
  });
});
