import { createServer } from 'node:net';

/** A port the launcher is about to use, and the setting that chooses it. */
export interface PortClaim {
  /** What listens there, e.g. "the API". */
  what: string;
  host: string;
  port: number;
  /** The variable (or config field) an operator changes to move it. */
  setBy: string;
}

/** Resolves true when nothing listens on `host:port` (the launcher could bind it right now). */
export function portIsFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * The message for the first claimed port that is already taken, or null when all are free. Checked before
 * anything starts, so a launcher never reports success because some other process answers on its port.
 */
export async function takenPortProblem(claims: PortClaim[]): Promise<string | null> {
  for (const claim of claims) {
    if (await portIsFree(claim.host, claim.port)) continue;
    return [
      `Port ${claim.port} on ${claim.host} (${claim.what}) is already in use — is another Switchyard running?`,
      `Stop it, or set ${claim.setBy} to a free port.`,
    ].join(' ');
  }
  return null;
}
