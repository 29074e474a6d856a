import { envSchema } from '../config/env';

/** `json`: one JSON object per line, for log collectors. `pretty`: one short readable line, for a person. */
export type LogFormat = 'json' | 'pretty';

/** Raised for a `LOG_FORMAT` that is neither `json` nor `pretty`; the message names the variable. */
export class LogFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LogFormatError';
  }
}

/**
 * The format to log in: `LOG_FORMAT` when set, else pretty on a terminal and JSON otherwise (a pipe, a file,
 * a container's log driver), so a person sees readable lines and a collector gets JSON without configuration.
 */
export function chooseLogFormat(logFormat: string | undefined, stdoutIsTty: boolean): LogFormat {
  // The config's env schema is the one definition of the variable, so both places accept the same values.
  const parsed = envSchema.shape.LOG_FORMAT.safeParse(logFormat);
  if (!parsed.success) {
    const reason = parsed.error.issues[0]?.message ?? 'use "json" or "pretty"';
    throw new LogFormatError(`LOG_FORMAT: ${reason} (got "${String(logFormat)}")`);
  }
  return parsed.data ?? (stdoutIsTty ? 'pretty' : 'json');
}
