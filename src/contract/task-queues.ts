/** Default prefix of Switchyard's task queues; deployments sharing a namespace each pick their own. */
export const DEFAULT_TASK_QUEUE_PREFIX = 'switchyard';

/** Task queue of the job workflows (and, later, their cheap local activities). */
export function jobsTaskQueue(prefix: string): string {
  return `${prefix}-jobs`;
}

/** Task queue of one provider's calls; each is rate-limited on its own. */
export function providerTaskQueue(prefix: string, providerId: string): string {
  return `${prefix}-provider-${providerId}`;
}
