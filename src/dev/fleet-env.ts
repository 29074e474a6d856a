/** Where the fleet's API and worker processes find the shared engines. */
export interface FleetEndpoints {
  /** `host:port` of the Temporal frontend. */
  temporalAddress: string;
  namespace: string;
  /** `redis://host:port`, without a database number. */
  redisUrl: string;
  taskQueuePrefix: string;
}

/**
 * The environment every API and worker process of the fleet gets: one Temporal cluster and namespace, one task
 * queue prefix, and Redis for the response cache (database 0) and for budgets and rate-limit counters (database
 * 1), as docker-compose.yml gives its containers (a test keeps the two in step).
 */
export function fleetEnv({
  temporalAddress,
  namespace,
  redisUrl,
  taskQueuePrefix,
}: FleetEndpoints): Record<string, string> {
  const redis = redisUrl.replace(/\/+$/, '');
  return {
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_NAMESPACE: namespace,
    SWITCHYARD_TASK_QUEUE_PREFIX: taskQueuePrefix,
    CACHE_URL: `${redis}/0`,
    COUNTERS_URL: `${redis}/1`,
  };
}
