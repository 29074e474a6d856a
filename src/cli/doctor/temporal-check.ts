import { Connection } from '@temporalio/client';
import type { Config } from '../../config';
import { ALL_SEARCH_ATTRIBUTES } from '../../contract/search-attributes';
import { ok, problem, reasonOf, skipped, within, type CheckResult } from './check';

const TIMEOUT_MS = 5_000;
/** gRPC status NOT_FOUND. */
const NOT_FOUND = 5;

/** The type names `temporal operator search-attribute create --type` takes. */
const CLI_TYPE_NAMES: Record<string, string> = {
  TEXT: 'Text',
  KEYWORD: 'Keyword',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};
/** `temporal.api.enums.v1.IndexedValueType`, the codes `listSearchAttributes` answers with. */
const TYPE_BY_CODE: ReadonlyMap<number, string> = new Map([
  [1, 'TEXT'],
  [2, 'KEYWORD'],
  [3, 'INT'],
  [4, 'DOUBLE'],
  [5, 'BOOL'],
  [6, 'DATETIME'],
  [7, 'KEYWORD_LIST'],
]);

/**
 * Temporal at TEMPORAL_ADDRESS answers, the namespace exists, and every Switchyard search attribute is
 * registered with its type. The connection is closed before returning.
 */
export async function checkTemporal(config: Config): Promise<CheckResult[]> {
  const { address, namespace } = config.temporal;
  let connection: Connection;
  try {
    connection = await within(`Temporal at ${address}`, TIMEOUT_MS, () =>
      Connection.connect({ address, connectTimeout: TIMEOUT_MS }),
    );
    await within(`Temporal at ${address}`, TIMEOUT_MS, () => connection.workflowService.getSystemInfo({}));
  } catch (err) {
    return [
      problem(
        'temporal',
        `Temporal is not reachable at ${address}: ${reasonOf(err)}`,
        'Start Temporal (`npm start` starts a dev server; `npm run temporal:start` starts only Temporal), or set TEMPORAL_ADDRESS (temporal.address) to the host:port of your Temporal frontend.',
      ),
      skipped('temporal search attributes', 'needs a reachable Temporal'),
    ];
  }
  try {
    const results: CheckResult[] = [];
    try {
      await within(`namespace ${namespace}`, TIMEOUT_MS, () =>
        connection.workflowService.describeNamespace({ namespace }),
      );
      results.push(ok('temporal', `${address} answers; namespace ${namespace} exists`));
    } catch (err) {
      const notFound = (err as { code?: unknown }).code === NOT_FOUND;
      results.push(
        problem(
          'temporal',
          notFound
            ? `Temporal at ${address} has no namespace ${namespace}.`
            : `Temporal at ${address} did not describe namespace ${namespace}: ${reasonOf(err)}`,
          notFound
            ? `Create it (\`temporal operator namespace create --address ${address} --namespace ${namespace}\`), or set TEMPORAL_NAMESPACE to an existing one.`
            : 'Check that the server is healthy and that this machine may call it, then run `switchyard doctor` again.',
        ),
      );
      results.push(skipped('temporal search attributes', 'needs the namespace'));
      return results;
    }
    results.push(...(await checkSearchAttributes(connection, address, namespace)));
    return results;
  } finally {
    await connection.close().catch(() => undefined);
  }
}

async function checkSearchAttributes(
  connection: Connection,
  address: string,
  namespace: string,
): Promise<CheckResult[]> {
  let registered: Record<string, unknown>;
  try {
    const answer = await within('listSearchAttributes', TIMEOUT_MS, () =>
      connection.operatorService.listSearchAttributes({ namespace }),
    );
    registered = answer.customAttributes ?? {};
  } catch (err) {
    return [
      problem(
        'temporal search attributes',
        `Could not list the search attributes of namespace ${namespace}: ${reasonOf(err)}`,
        'Check that this machine may call the operator service of the Temporal server, then run `switchyard doctor` again.',
      ),
    ];
  }
  const results: CheckResult[] = [];
  for (const key of ALL_SEARCH_ATTRIBUTES) {
    const name = `search attribute ${key.name}`;
    const cliType = CLI_TYPE_NAMES[key.type] ?? key.type;
    const create = `temporal operator search-attribute create --address ${address} --namespace ${namespace} --name ${key.name} --type ${cliType}`;
    const code = registered[key.name];
    if (code === undefined) {
      results.push(
        problem(
          name,
          `${key.name} is not registered in namespace ${namespace}: jobs cannot be started or listed by it.`,
          `Register it: \`${create}\` (the dev server of \`npm start\` registers it itself).`,
        ),
      );
      continue;
    }
    const actual = typeof code === 'number' ? (TYPE_BY_CODE.get(code) ?? `type ${code}`) : JSON.stringify(code);
    if (actual !== key.type) {
      results.push(
        problem(
          name,
          `${key.name} is registered as ${actual}, but Switchyard writes it as ${key.type}.`,
          `Remove it (\`temporal operator search-attribute remove --address ${address} --namespace ${namespace} --name ${key.name}\`) and register it again: \`${create}\`.`,
        ),
      );
      continue;
    }
    results.push(ok(name, key.type));
  }
  return results;
}
