/**
 * The V8 flags every Switchyard process runs with (the launcher, the Dockerfile and the `start:*` scripts pass
 * them). Semi-spaces of 4 MB instead of Node's 16 MB keep the young generation small: the API's and the
 * worker's garbage is almost all short-lived, so this cuts their resident memory under load by about a third
 * at no throughput cost the benchmarks can measure (`npm run bench`, scenarios jobs and memory).
 */
export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];
