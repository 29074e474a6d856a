import { type MockBehavior } from './behavior';
import { PROMPT_HEAD_CHARS } from './call-log';
import { type Directives, DirectiveError, extractTextDirectives } from './directives';
import { type EndpointId } from './endpoint-ids';
import { faultReply } from './fault-reply';
import { type FaultPlanner, requestFingerprint } from './faults';
import { isJsonObject } from './json';
import { type MockEndpoint, type ReplyContext, type WireReply } from './provider';
import { type StatsRecorder } from './stats';

/**
 * What answering an item needs from the running mock. `MockState` has all of it; naming only these parts keeps
 * the batch stores, which the state owns, from importing the state back.
 */
export interface ItemAnswerDeps {
  readonly stats: StatsRecorder;
  readonly faults: FaultPlanner;
  readonly behavior: Readonly<MockBehavior>;
  nextSequence(): number;
}

/** How one item of a batch came out, in wire-neutral terms; each batch API writes it in its own format. */
export type ItemOutcome =
  /** The synchronous endpoint's success body. */
  | { kind: 'answered'; requestId: string; body: unknown }
  /** The synchronous endpoint's error answer, status and body as it would have sent them. */
  | { kind: 'rejected'; requestId: string; reply: WireReply }
  /** A `hang` directive: the model never answered, which a batch reports as a timed-out item. */
  | { kind: 'timed-out'; requestId: string };

/** One item to answer: the endpoint its body is meant for, and who submitted it. */
export interface BatchItemCall {
  endpoint: MockEndpoint;
  body: unknown;
  apiKey: string;
  /** The call-log id of the batch API answering it. */
  logAs: EndpointId;
}

/**
 * Answers one batch item exactly as the synchronous endpoint would answer the same body: the same parsing and
 * 400s, the same `[[mock:…]]` faults and random error rates, the same deterministic reply and usage. A
 * successful answer is logged as one call, once, now. Transport-level settings (latency, per-key limits,
 * `x-mock-*` headers) belong to the batch's own HTTP requests, not to its items.
 */
export function answerBatchItem(deps: ItemAnswerDeps, item: BatchItemCall): ItemOutcome {
  const { endpoint } = item;
  const { wire } = endpoint;
  const sequence = deps.nextSequence();
  const ctx: ReplyContext = { sequence, requestId: wire.requestId(sequence), model: undefined };
  const rejected = (reply: WireReply): ItemOutcome => ({ kind: 'rejected', requestId: ctx.requestId, reply });

  if (!isJsonObject(item.body)) {
    return rejected(wire.badRequest(ctx, 'The request body could not be parsed as a JSON object.'));
  }
  const parsed = endpoint.parse(item.body, {});
  if (!parsed.ok) return rejected(wire.badRequest(ctx, parsed.message));
  const { call } = parsed;
  ctx.model = call.model;

  let directives: Directives;
  let cleanText: string;
  try {
    ({ directives, cleanText } = extractTextDirectives(call.lastUserText));
  } catch (err) {
    if (err instanceof DirectiveError) return rejected(wire.badRequest(ctx, err.message));
    throw err;
  }
  ctx.outputTokens = directives.outputTokens;

  const fingerprint = (): string => requestFingerprint(endpoint.id, JSON.stringify(item.body));
  const fault = deps.faults.decide(directives, deps.behavior.errorRates, fingerprint);
  if (fault === undefined) {
    const body = call.succeed(ctx, cleanText);
    deps.stats.recordCall({
      sequence,
      at: Date.now(),
      endpoint: item.logAs,
      provider: wire.name,
      model: call.model,
      apiKey: item.apiKey,
      ...wire.reportedUsage(body),
      promptHead: cleanText.slice(0, PROMPT_HEAD_CHARS),
    });
    return { kind: 'answered', requestId: ctx.requestId, body };
  }
  if (fault.kind === 'hang') return { kind: 'timed-out', requestId: ctx.requestId };
  const contentPolicy = (c: ReplyContext): WireReply | undefined => call.contentPolicy?.(c);
  return rejected(faultReply(fault, ctx, wire, directives, deps.behavior.retryAfterSeconds, contentPolicy));
}
