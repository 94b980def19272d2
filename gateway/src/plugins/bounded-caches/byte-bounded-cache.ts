import { LRUCache } from 'lru-cache';

/**
 * A cache bounded by the bytes its values weigh, least recently used out first: what the runtime's
 * parse cache and APQ's store ask of one.
 */
export class ByteBoundedCache<V extends object | string> {
  readonly entries: LRUCache<string, V>;
  constructor(maxBytes: number, weigh: (value: V, key: string) => number) {
    this.entries = new LRUCache<string, V>({
      maxSize: maxBytes,
      sizeCalculation: (value, key) => Math.max(1, Math.ceil(weigh(value, key))),
    });
  }
  get(key: string): V | undefined {
    return this.entries.get(key);
  }
  set(key: string, value: V): void {
    this.entries.set(key, value);
  }
  delete(key: string): void {
    this.entries.delete(key);
  }
  /** Bytes held, as weighed. */
  get bytes(): number {
    return this.entries.calculatedSize;
  }
}

/** Yoga's parse-and-validate cache plugin, which Hive's runtime adds with its defaults and no option to size it. */
export function isYogaParseCache(plugin: unknown): boolean {
  if (typeof plugin !== 'object' || plugin === null) return false;
  const { onParse, onValidate } = plugin as { onParse?: unknown; onValidate?: unknown };
  return typeof onParse === 'function' && typeof onValidate === 'function' && String(onParse).includes('documentCache');
}
