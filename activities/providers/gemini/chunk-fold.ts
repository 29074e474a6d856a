/**
 * The `GenerateContentResponse`s of `streamGenerateContent`, folded back into the one response they stream,
 * while each candidate's parts go on to the caller in OpenAI's delta terms: text as content (thought summaries
 * left out, as `fromGeminiResponse` leaves them out), each `functionCall` part, which Gemini never splits, as
 * one whole tool call.
 */

import { malformedResponse } from '../classify-error';
import { isRecord, numberField, stringField } from '../json-fields';
import type { DeltaRelay } from '../stream-assembly';

/** One candidate as its chunks have built it so far. */
interface CandidateState {
  parts: unknown[];
  /** Function calls relayed so far: the next call's position among the candidate's tool calls. */
  calls: number;
  finishReason: string | undefined;
}

/** Response fields of the stream kept for the translation; the last value sent wins. */
const HEAD_FIELDS = ['responseId', 'modelVersion', 'promptFeedback', 'usageMetadata'] as const;

/** Folds a stream's responses into one response for `fromGeminiResponse`, relaying each candidate's parts. */
export class GeminiChunkFold {
  private events = 0;
  private readonly head: Record<string, unknown> = {};
  private readonly candidates = new Map<number, CandidateState>();

  constructor(private readonly relay: DeltaRelay) {}

  /** Gemini's usage counts are cumulative, so any chunk that had them reported the usage so far. */
  /** True while no event has been added. */
  get empty(): boolean {
    return this.events === 0;
  }

  get usageReported(): boolean {
    return isRecord(this.head['usageMetadata']);
  }

  /**
   * True when every candidate has had its finish reason. A stream without candidates is left to the
   * translation, which reads a blocked prompt from `promptFeedback`.
   */
  get finished(): boolean {
    return [...this.candidates.values()].every((candidate) => candidate.finishReason !== undefined);
  }

  add(chunk: unknown): void {
    this.events++;
    if (!isRecord(chunk)) throw malformedResponse('a stream chunk is not an object');
    for (const field of HEAD_FIELDS) if (chunk[field] !== undefined) this.head[field] = chunk[field];
    const candidates = chunk['candidates'];
    if (candidates === undefined) return;
    if (!Array.isArray(candidates))
      throw malformedResponse('a stream chunk has a candidates field that is not an array');
    for (const [position, candidate] of (candidates as unknown[]).entries()) this.addCandidate(candidate, position);
  }

  /** The response the chunks stream, as the non-streamed call would have received it. */
  body(): Record<string, unknown> {
    const candidates = [...this.candidates.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, candidate]) => ({
        index,
        content: { role: 'model', parts: candidate.parts },
        ...(candidate.finishReason !== undefined && { finishReason: candidate.finishReason }),
      }));
    return { ...this.head, candidates };
  }

  private addCandidate(candidate: unknown, position: number): void {
    if (!isRecord(candidate)) throw malformedResponse(`candidate ${position} of a stream chunk is not an object`);
    const index = numberField(candidate, 'index') ?? position;
    let state = this.candidates.get(index);
    if (state === undefined) {
      state = { parts: [], calls: 0, finishReason: undefined };
      this.candidates.set(index, state);
    }
    const content = candidate['content'];
    const parts = isRecord(content) && Array.isArray(content['parts']) ? (content['parts'] as unknown[]) : [];
    for (const part of parts) {
      // The stream's last response carries an empty text next to the finish reason: framing, not answer. Kept, it
      // would make an answer of tool calls alone have content "" where the non-streamed one has null.
      if (stringField(part, 'text') === '') continue;
      state.parts.push(part);
      this.relayPart(index, state, part);
    }
    state.finishReason = stringField(candidate, 'finishReason') ?? state.finishReason;
  }

  private relayPart(index: number, state: CandidateState, part: unknown): void {
    if (!isRecord(part)) return;
    const call = part['functionCall'];
    if (call === undefined) {
      if (part['thought'] !== true) this.relay.send(index, { content: stringField(part, 'text') });
      return;
    }
    const name = stringField(call, 'name');
    if (name === undefined) throw malformedResponse('a functionCall part has no name');
    const args = isRecord(call) && isRecord(call['args']) ? call['args'] : {};
    const position = state.calls++;
    // The id `fromGeminiResponse` gives a call that comes without one, so both name it alike.
    const id = stringField(call, 'id') ?? `call_${position}_${name}`;
    this.relay.send(index, {
      toolCall: { index: position, id, type: 'function', function: { name, arguments: JSON.stringify(args) } },
    });
  }
}
