import { createHash } from 'node:crypto';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { EXPLORER_ASSET, encodingFor, explorerAssets } from './assets.js';

describe("the explorer's files", () => {
  it('are named by a hash of their content, and each encoding holds the same bytes', async () => {
    const { files, names } = await explorerAssets();
    expect([...files.keys()].sort()).toEqual([names.js, names.css, names.icon, ...Object.values(names.workers)].sort());
    for (const [name, file] of files) {
      expect(EXPLORER_ASSET.test(`/explorer/${name}`), name).toBe(true);
      expect(name.slice(0, 20)).toBe(createHash('sha256').update(file.identity).digest('hex').slice(0, 20));
      expect(gunzipSync(file.gzip).equals(file.identity), name).toBe(true);
      expect(brotliDecompressSync(file.br).equals(file.identity), name).toBe(true);
    }
    expect(files.get(names.js)?.type).toBe('text/javascript; charset=utf-8');
    expect(files.get(names.css)?.type).toBe('text/css; charset=utf-8');
    expect(files.get(names.icon)?.type).toBe('image/x-icon');
  });

  it('are built once per process', async () => {
    expect(await explorerAssets()).toBe(await explorerAssets());
  });
});

describe('the encoding sent', () => {
  it('is brotli, then gzip, then none, as Accept-Encoding allows', () => {
    expect(encodingFor('gzip, deflate, br, zstd')).toBe('br');
    expect(encodingFor('gzip, deflate')).toBe('gzip');
    expect(encodingFor('GZIP')).toBe('gzip');
    expect(encodingFor(undefined)).toBe('identity');
    expect(encodingFor('deflate')).toBe('identity');
  });

  it('honours q=0 as a refusal, and * for what it does not name', () => {
    expect(encodingFor('br;q=0, gzip')).toBe('gzip');
    expect(encodingFor('br;q=0, gzip;q=0')).toBe('identity');
    expect(encodingFor('*')).toBe('br');
    expect(encodingFor('*;q=0.5, br;q=0')).toBe('gzip');
    expect(encodingFor('identity, *;q=0')).toBe('identity');
  });
});
