import type { Command } from 'commander';
import { contextOf } from '../context';
import { line, printJson, printTable } from '../output';

/** `GET /v1/admin/providers/:provider/keys`. */
interface KeyList {
  object: 'list';
  data: Array<{
    alias: string;
    weight: number;
    state: string;
    out_until: string | null;
    cooldown_until: string | null;
  }>;
}

/** `switchyard keys <provider>` and `switchyard keys restore <provider> <alias>`. */
export function registerKeys(program: Command): void {
  const keys = program
    .command('keys')
    .description("a provider's key pool: each key's state; `keys restore` brings a key back")
    .argument('<provider>', 'provider id, e.g. openai')
    .addHelpText('after', '\nExamples:\n  switchyard keys openai\n  switchyard keys restore openai team-b')
    .action(async (provider: string, _options: unknown, command: Command) => {
      const { api, json } = contextOf(command);
      const list = await api.get<KeyList>(`/v1/admin/providers/${encodeURIComponent(provider)}/keys`);
      if (json) {
        printJson(list);
        return;
      }
      printTable(
        ['alias', 'weight', 'state', 'out until', 'cooldown until'],
        list.data.map((k) => [k.alias, k.weight, k.state, k.out_until, k.cooldown_until]),
      );
    });

  keys
    .command('restore')
    .description('make a key that is out of quota or cooling down usable again at once')
    .argument('<provider>', 'provider id')
    .argument('<alias>', 'key alias')
    .action(async (provider: string, alias: string, _options: unknown, command: Command) => {
      const { api, json } = contextOf(command);
      const restored = await api.post<{ provider: string; alias: string; state: string }>(
        `/v1/admin/providers/${encodeURIComponent(provider)}/keys/${encodeURIComponent(alias)}/restore`,
      );
      if (json) printJson(restored);
      else line(`${restored.provider}/${restored.alias}: ${restored.state}`);
    });
}
