import type { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { z } from 'zod';
import { ConfigError } from '../config';
import { ALL_SEARCH_ATTRIBUTES } from '../contract/search-attributes';

const { IndexedValueType } = temporal.api.enums.v1;

/** gRPC status codes the registration tolerates. */
const GRPC = { ALREADY_EXISTS: 6, NOT_FOUND: 5 } as const;

/** How long a new namespace is kept after its workflows close, as the `temporalio/auto-setup` image does. */
const DEFAULT_RETENTION = '24 hours';

/**
 * Temporal servers refresh their namespace cache every 2 s (`system.namespaceCacheRefreshInterval`): until then
 * a new namespace or search attribute may be unknown to the history service that validates a workflow's upserts.
 */
const CACHE_REFRESH_MS = 2_500;

/** The environment variable that makes the worker register the namespace and search attributes at start. */
export const REGISTER_ENV = 'TEMPORAL_REGISTER_SEARCH_ATTRIBUTES';

const flag = z.enum(['true', 'false', '1', '0', '']);

/** Whether `TEMPORAL_REGISTER_SEARCH_ATTRIBUTES` asks the worker to register them (default: no). */
export function registrationRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  const raw = env[REGISTER_ENV]?.trim().toLowerCase() ?? '';
  const parsed = flag.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError([`${REGISTER_ENV}: "${env[REGISTER_ENV]}" is not a boolean; set it to true or false.`]);
  }
  return parsed.data === 'true' || parsed.data === '1';
}

/** What {@link registerSearchAttributes} changed on the server. */
export interface Registration {
  namespaceCreated: boolean;
  /** Names of the search attributes it added; those already registered with their type are left alone. */
  added: string[];
}

function grpcCode(err: unknown): unknown {
  return (err as { code?: unknown }).code;
}

/**
 * Makes sure `namespace` exists and has every Switchyard search attribute with its type, on any Temporal
 * cluster (SQL, Cassandra or Elasticsearch visibility). Idempotent, and safe when several workers run it at
 * once. A search attribute registered with another type is an error naming it: Switchyard would write values
 * the server rejects.
 */
export async function registerSearchAttributes(connection: Connection, namespace: string): Promise<Registration> {
  let namespaceCreated = false;
  try {
    await connection.workflowService.describeNamespace({ namespace });
  } catch (err) {
    if (grpcCode(err) !== GRPC.NOT_FOUND) throw err;
    try {
      await connection.workflowService.registerNamespace({
        namespace,
        workflowExecutionRetentionPeriod: msToTs(DEFAULT_RETENTION),
      });
      namespaceCreated = true;
    } catch (registerError) {
      if (grpcCode(registerError) !== GRPC.ALREADY_EXISTS) throw registerError;
    }
  }

  const registered: Record<string, number> = await registeredAttributes(connection, namespace);
  const missing: Record<string, number> = {};
  for (const key of ALL_SEARCH_ATTRIBUTES) {
    const wanted: number = IndexedValueType[`INDEXED_VALUE_TYPE_${key.type}`];
    const actual = registered[key.name];
    if (actual === undefined) {
      missing[key.name] = wanted;
    } else if (actual !== wanted) {
      throw new Error(
        `search attribute ${key.name} is registered in namespace ${namespace} as ${IndexedValueType[actual]}, but ` +
          `Switchyard writes it as ${key.type}: remove it (temporal operator search-attribute remove --name ${key.name}) ` +
          'and start again.',
      );
    }
  }
  const added = Object.keys(missing);
  if (added.length > 0) {
    try {
      await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
    } catch (err) {
      // Another worker registered them a moment ago.
      if (grpcCode(err) !== GRPC.ALREADY_EXISTS) throw err;
    }
  }
  if (namespaceCreated || added.length > 0) await new Promise((r) => setTimeout(r, CACHE_REFRESH_MS));
  return { namespaceCreated, added };
}

/**
 * The namespace's custom search attributes. A namespace created a moment ago is unknown to the operator service
 * until its namespace cache refreshes: NOT_FOUND is retried for a while.
 */
async function registeredAttributes(connection: Connection, namespace: string): Promise<Record<string, number>> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
      return customAttributes ?? {};
    } catch (err) {
      if (grpcCode(err) !== GRPC.NOT_FOUND || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
