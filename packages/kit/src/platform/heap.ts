import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the heap grow past what a full garbage collection left alive, as a percentage
 * (HUB_HEAP_GROWING_PERCENT; 0 keeps V8's own factor). V8 on its own lets a busy server's heap
 * reach up to four times its live data before collecting: measured here, `npm start` under 10
 * clients peaked at 436-460 MB of RSS with about 50 MB alive. Growing by 100% (twice what is
 * alive) kept the same run at 313-340 MB at the same throughput, with no hard limit that a large
 * answer could run into (as --max-old-space-size would be). Set once, first thing, by every
 * entry point: the hub, the gateway and each subgraph.
 */
export function tuneHeap(growingPercent: number): void {
  if (growingPercent > 0) setFlagsFromString(`--heap-growing-percent=${growingPercent}`);
}
