import { Counter, Gauge, type Registry } from 'prom-client';
import type { AdmissionGate } from './admission-gate';

/**
 * Registers the admission gates' queue length and slots in use (read from the gates at each scrape) on the
 * API's registry, labelled by gate (`starts`, `sync`, `active`); returns the refusals counter, which the caller counts.
 */
export function registerAdmissionMetrics(registry: Registry, gates: AdmissionGate[]): Counter<'gate' | 'reason'> {
  new Gauge({
    name: 'switchyard_admission_queued',
    help: 'Requests waiting for an admission slot.',
    labelNames: ['gate'],
    registers: [registry],
    collect() {
      for (const gate of gates) this.set({ gate: gate.name }, gate.queued);
    },
  });
  new Gauge({
    name: 'switchyard_admission_in_flight',
    help: 'Admission slots held: workflow starts in flight, synchronous jobs waiting for their result, or synchronous jobs active in Temporal.',
    labelNames: ['gate'],
    registers: [registry],
    collect() {
      for (const gate of gates) this.set({ gate: gate.name }, gate.inFlight);
    },
  });
  return new Counter({
    name: 'switchyard_admission_refused_total',
    help: 'Requests refused with 503 overloaded: the wait queue was full, or no slot freed up in time.',
    labelNames: ['gate', 'reason'],
    registers: [registry],
  });
}
