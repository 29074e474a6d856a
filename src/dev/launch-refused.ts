/** Stops a launcher before it starts anything, with a message for the operator. */
export class LaunchRefused extends Error {
  override readonly name = 'LaunchRefused';
}

/** The port a launcher variable names, `fallback` when unset; anything but a port number refuses the launch. */
export function portVar(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new LaunchRefused(`${name}: "${raw}" is not a port number (1-65535)`);
  }
  return port;
}
