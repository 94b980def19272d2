import DataLoader from 'dataloader';

/**
 * Declares a per-request DataLoader. The loader lives in a WeakMap keyed by the request's context
 * object, so it batches every call within one request and is dropped with the request: nothing is
 * cached across requests.
 */
export function defineLoader<Ctx extends object, K, V, CacheKey = K>(
  batch: (keys: readonly K[], ctx: Ctx) => Promise<readonly (V | Error)[]>,
  options?: DataLoader.Options<K, V, CacheKey>,
): (ctx: Ctx) => DataLoader<K, V, CacheKey> {
  const loaders = new WeakMap<Ctx, DataLoader<K, V, CacheKey>>();
  return (ctx) => {
    let loader = loaders.get(ctx);
    if (!loader) {
      loader = new DataLoader<K, V, CacheKey>((keys) => batch(keys, ctx), options);
      loaders.set(ctx, loader);
    }
    return loader;
  };
}

/** Groups rows under the keys that asked for them, in key order (one list per key, maybe empty). */
export function groupByKey<K, R>(keys: readonly K[], rows: readonly R[], keyOf: (row: R) => K): R[][] {
  const groups = new Map<K, R[]>();
  for (const row of rows) {
    const key = keyOf(row);
    const list = groups.get(key);
    if (list) list.push(row);
    else groups.set(key, [row]);
  }
  return keys.map((k) => groups.get(k) ?? []);
}

/** Picks the row for each key, in key order (null when there is none). */
export function oneByKey<K, R>(keys: readonly K[], rows: readonly R[], keyOf: (row: R) => K): (R | null)[] {
  const byKey = new Map<K, R>();
  for (const row of rows) byKey.set(keyOf(row), row);
  return keys.map((k) => byKey.get(k) ?? null);
}
