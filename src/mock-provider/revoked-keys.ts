/**
 * Keys the mock treats as revoked: any key with `revoked` in it. A convention rather than a setting, so a
 * test or a person in mock mode gets an invalid key by naming it (`OPENAI_API_KEY=sk-revoked-1`) and every
 * endpoint — calls, batches, model lists — rejects it as the real provider rejects a deleted key.
 */
export function isRevokedKey(apiKey: string): boolean {
  return apiKey.includes('revoked');
}
