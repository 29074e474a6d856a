import { setFlagsFromString } from 'node:v8';
import { HEAP_GROWING_PERCENT } from '../contract/node-flags';

/**
 * Sets V8's old-generation growth to {@link HEAP_GROWING_PERCENT} for this process. V8 reads the flag each time
 * it sizes the heap after a full collection, and worker threads (the workflow sandbox) started later inherit
 * it, so calling this first thing in an entry point covers every isolate of the process.
 */
export function applyHeapGrowth(): void {
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
