import { createHash, randomBytes } from 'node:crypto';

/** A new job id; time-ordered so ids sort roughly by submission. The job id is the workflow id. */
export function newJobId(): string {
  return `job_${Date.now().toString(36)}${randomBytes(10).toString('hex')}`;
}

/** The job id an Idempotency-Key maps to, scoped by tenant so two tenants' keys never collide. */
export function idempotentJobId(tenantId: string, idempotencyKey: string): string {
  return `job_idem_${createHash('sha256').update(`${tenantId}\u0000${idempotencyKey}`).digest('hex').slice(0, 40)}`;
}

/** Stable hash of what was asked, to tell a retried submission from a different one under the same key. */
export function requestHash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}
