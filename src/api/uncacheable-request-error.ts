/**
 * The tenant answers only from the cache (cache mode `only`) and the request is one the cache never holds:
 * not deterministic (a temperature other than 0) while the tenant caches deterministic requests only. Only a
 * paid provider call could answer it, which mode `only` rules out, so it is refused before any job starts.
 */
export class UncacheableRequestError extends Error {
  override readonly name = 'UncacheableRequestError';

  constructor() {
    super(
      'This tenant is answered from the cache only (cache mode "only"), and a request whose temperature is not 0 ' +
        'is never cached, so it cannot be answered. Send "temperature": 0, or opt the request into the cache ' +
        'with "cache": { "mode": "only" }.',
    );
  }
}
