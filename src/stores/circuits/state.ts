/**
 * The circuit breaker's state machine, pure so that both stores run exactly the same rules:
 * closed → open (failure ratio over a window, or consecutive failures) → half-open after a cool-down,
 * where one probe call is let through → closed on its success, open again on its failure.
 */

import type { CircuitRecord, CircuitSettings } from './contract';

export const CLOSED: CircuitRecord = {
  phase: 'closed',
  windowStart: 0,
  requests: 0,
  failures: 0,
  consecutiveFailures: 0,
  openUntil: 0,
  probeUntil: 0,
  openedAt: 0,
};

/** Whether a call may go ahead now, and the record after the decision (a probe takes its lease). */
export function admit(
  record: CircuitRecord,
  settings: CircuitSettings,
  now: number,
): { allowed: boolean; next: CircuitRecord } {
  switch (record.phase) {
    case 'closed':
      return { allowed: true, next: record };
    case 'open':
      if (now < record.openUntil) return { allowed: false, next: record };
      return { allowed: true, next: { ...record, phase: 'half_open', probeUntil: now + settings.probeSeconds * 1000 } };
    case 'half_open':
      if (now < record.probeUntil) return { allowed: false, next: record };
      return { allowed: true, next: { ...record, probeUntil: now + settings.probeSeconds * 1000 } };
  }
}

/** The record after a call's outcome. */
export function recordOutcome(
  record: CircuitRecord,
  settings: CircuitSettings,
  ok: boolean,
  now: number,
): CircuitRecord {
  if (ok) {
    // Any success — the half-open probe's included — closes the circuit and starts counting afresh.
    return record.phase === 'closed'
      ? { ...inWindow(record, settings, now, false), consecutiveFailures: 0 }
      : { ...CLOSED, windowStart: now };
  }
  if (record.phase === 'half_open' || record.phase === 'open') return open(record, settings, now);
  const counted = inWindow(record, settings, now, true);
  const next = { ...counted, consecutiveFailures: record.consecutiveFailures + 1 };
  const ratioTripped = next.requests >= settings.minRequests && next.failures / next.requests >= settings.failureRatio;
  return ratioTripped || next.consecutiveFailures >= settings.consecutiveFailures ? open(next, settings, now) : next;
}

function inWindow(record: CircuitRecord, settings: CircuitSettings, now: number, failed: boolean): CircuitRecord {
  const fresh = now - record.windowStart >= settings.windowSeconds * 1000;
  const base = fresh ? { ...record, windowStart: now, requests: 0, failures: 0 } : record;
  return { ...base, requests: base.requests + 1, failures: base.failures + (failed ? 1 : 0) };
}

function open(record: CircuitRecord, settings: CircuitSettings, now: number): CircuitRecord {
  return {
    ...record,
    phase: 'open',
    openUntil: now + settings.openSeconds * 1000,
    probeUntil: 0,
    openedAt: now,
    consecutiveFailures: record.consecutiveFailures,
  };
}

/** True while the circuit is open and not yet due a probe, or a probe is under way. */
export function isOpen(record: CircuitRecord, now: number): boolean {
  return (record.phase === 'open' && now < record.openUntil) || record.phase === 'half_open';
}
