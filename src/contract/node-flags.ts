/**
 * The V8 flags every Switchyard process runs with (the launcher, the Dockerfile and the `start:*` scripts pass
 * them). Semi-spaces of 4 MB instead of Node's 16 MB keep the young generation small: the API's and the
 * worker's garbage is almost all short-lived, so this cuts their resident memory under load by about a third
 * at no throughput cost the benchmarks can measure (`npm run bench`, scenarios jobs and memory).
 */
export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];

/**
 * Let the old generation grow by a quarter of what survived the last full collection before the next one,
 * instead of V8's up to fourfold on a machine with this much memory: a worker with 1,000 jobs in flight
 * holds about 60 MB of live objects and otherwise lets the heap reach twice that. Set by each process at
 * start (`src/runtime/heap-growth.ts`), since Node refuses this flag in `NODE_OPTIONS`.
 */
export const HEAP_GROWING_PERCENT = 25;

/**
 * glibc malloc settings every Switchyard process starts with (the launcher, the Dockerfile and the `start:*`
 * scripts set them; a value already in the environment wins). Temporal's core and V8's helper threads each
 * get their own 64 MB malloc arena by default, and glibc raises its mmap threshold after the first large free,
 * so buffers of finished calls stay resident in every arena. Two arenas, and blocks of 128 KB and more
 * mapped and unmapped on their own, keep the worker's native memory to what is in use.
 */
export const MALLOC_ENV: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_MMAP_THRESHOLD_: '131072',
};
