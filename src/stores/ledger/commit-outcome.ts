import { nanosToUsd } from './units';
import type { CommitOutcome } from './contract';

/** A commit's outcome from the reserved and committed nano-dollars; the overshoot is never negative. */
export function commitOutcome(reservedNanos: number, committedNanos: number): CommitOutcome {
  return {
    reservedUsd: nanosToUsd(reservedNanos),
    committedUsd: nanosToUsd(committedNanos),
    overshootUsd: nanosToUsd(Math.max(0, committedNanos - reservedNanos)),
  };
}
