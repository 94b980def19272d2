import { describe, expect, it, vi } from 'vitest';
import { readEnv } from './env.js';
import {
  endRequestTrace,
  startRequestTrace,
  startTracing,
  startTracingFromEnv,
  stopTracing,
  tracesExporterOf,
  tracingOn,
} from './tracing.js';

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

describe('stopping', () => {
  it('never fails a shutdown because the collector is down', async () => {
    const down = new Error('collector down');
    await startTracing({
      processing: 'batch',
      exporter: {
        export: (_spans, done) => done({ code: 1, error: down }),
        shutdown: () => Promise.reject(down),
        forceFlush: () => Promise.reject(down),
      },
    });
    expect(tracingOn()).toBe(true);
    endRequestTrace(startRequestTrace('gateway', { method: 'POST', url: '/graphql', headers: {} }), 200);
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    await expect(stopTracing()).resolves.toBeUndefined();
    expect(errors).toHaveBeenCalledWith(expect.stringContaining('collector down'));
    errors.mockRestore();
    expect(tracingOn()).toBe(false);
  });
});
