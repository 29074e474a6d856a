import { type Directives } from './directives';
import { type Fault } from './faults';
import { type ProviderWire, type ReplyContext, type WireReply } from './provider';

/**
 * The error answer for a fault, as the synchronous pipeline writes it, for answers that are always JSON (a
 * batch's items, the files and batches routes). `hang` is left to the caller; `malformed` comes out as the
 * server error it stands for where a broken body cannot be written, as in a batch's JSON lines.
 */
export function faultReply(
  fault: Exclude<Fault, { kind: 'hang' }>,
  ctx: ReplyContext,
  wire: ProviderWire,
  directives: Directives,
  defaultRetryAfterSeconds: number,
  /** The endpoint's own content-policy answer, where it differs from the provider's usual one. */
  contentPolicy?: (ctx: ReplyContext) => WireReply | undefined,
): WireReply {
  switch (fault.kind) {
    case 'quota':
      return wire.quotaExhausted(ctx);
    case 'content-policy':
      return contentPolicy?.(ctx) ?? wire.contentPolicy(ctx);
    case 'malformed':
      return wire.errorStatus(ctx, 500);
    case 'status':
      if (fault.status === 429) {
        return wire.rateLimited(ctx, directives.retryAfterSeconds ?? defaultRetryAfterSeconds, 'injected');
      }
      return wire.errorStatus(ctx, fault.status);
  }
}
