import type { Command } from 'commander';
import { ApiClient } from './api-client';

/** The CLI's global options, as every command reads them. */
export interface GlobalOptions {
  url: string;
  adminKey?: string;
  json?: boolean;
}

/** What a command needs: an API client built from the global options, and whether to print JSON. */
export interface CommandContext {
  api: ApiClient;
  json: boolean;
}

/** The context of the command being run (its own options merged with the program's). */
export function contextOf(command: Command): CommandContext {
  const options = command.optsWithGlobals<GlobalOptions>();
  return { api: new ApiClient({ url: options.url, adminKey: options.adminKey }), json: options.json === true };
}
