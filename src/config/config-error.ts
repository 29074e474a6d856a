/** A configuration problem found at start-up. Each line names the field and how to fix it. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(readonly problems: string[]) {
    super(`Invalid Switchyard configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}
