import { describe, expect, it } from 'vitest';
import { ByteBoundedCache, isYogaParseCache } from './byte-bounded-cache.js';

describe('a cache bounded in bytes', () => {
  it('holds what its values weigh, and lets the least recently used go past its bytes', () => {
    const cache = new ByteBoundedCache<string>(100, (text, key) => text.length + key.length);
    cache.set('a', 'x'.repeat(39));
    cache.set('b', 'x'.repeat(39));
    expect(cache.bytes).toBe(80);
    expect(cache.get('a')).toHaveLength(39);
    // 'b' was used least recently: it goes to make room.
    cache.set('c', 'x'.repeat(39));
    expect([cache.get('a') !== undefined, cache.get('b') !== undefined, cache.get('c') !== undefined]).toEqual([
      true,
      false,
      true,
    ]);
    expect(cache.bytes).toBe(80);
    cache.delete('a');
    expect(cache.bytes).toBe(40);
  });

  it('never keeps a value heavier than all it may hold, and weighs nothing less than a byte', () => {
    const cache = new ByteBoundedCache<string>(10, (text) => text.length);
    cache.set('big', 'x'.repeat(11));
    expect(cache.get('big')).toBeUndefined();
    cache.set('empty', '');
    expect(cache.bytes).toBe(1);
  });
});

describe("Yoga's parse cache", () => {
  it('is told by its hooks and the cache its parse reads, and nothing else is taken for it', () => {
    const documentCache = new Map<string, unknown>();
    const yogaLike = {
      onParse: () => documentCache.get('q'),
      onValidate: () => undefined,
    };
    expect(isYogaParseCache(yogaLike)).toBe(true);
    expect(isYogaParseCache({ onParse: () => undefined, onValidate: () => undefined })).toBe(false);
    expect(isYogaParseCache({ onParse: () => documentCache.get('q') })).toBe(false);
    expect(isYogaParseCache(null)).toBe(false);
  });
});
