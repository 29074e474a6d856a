import { z } from 'zod';
import { BATCH_CUSTOM_ID_PATTERN } from '../contract/provider-batch';
import { HttpError } from './http-error';
import { chatCompletionBodySchema } from './schemas';

/** The one endpoint batch jobs serve. */
export const CHAT_ENDPOINT = '/v1/chat/completions';

/** One request of a batch, as a line of OpenAI's batch input file. */
const batchLineSchema = z.strictObject({
  custom_id: z.string().regex(BATCH_CUSTOM_ID_PATTERN, 'use 1 to 64 letters, digits, "_" or "-"'),
  method: z.literal('POST'),
  url: z.literal(CHAT_ENDPOINT, `every request of a batch goes to ${CHAT_ENDPOINT}`),
  body: chatCompletionBodySchema,
});

export type BatchLine = z.infer<typeof batchLineSchema>;

/** `POST /v1/batches`: OpenAI's batch request, or Switchyard's list of requests in place of the file. */
export const batchBodySchema = z
  .strictObject({
    input_file_id: z.string().min(1).max(200).optional(),
    /** The lines of an input file, sent in the body instead of uploaded. */
    requests: z.array(z.unknown()).min(1, 'at least one request is required').optional(),
    endpoint: z.literal(CHAT_ENDPOINT, `batch jobs serve ${CHAT_ENDPOINT} only`),
    completion_window: z.literal('24h', 'the completion window is "24h"'),
    metadata: z
      .record(z.string().max(64), z.string().max(512))
      .refine((m) => Object.keys(m).length <= 16, 'at most 16 metadata entries')
      .nullish(),
  })
  .refine((body) => (body.input_file_id === undefined) !== (body.requests === undefined), {
    path: ['input_file_id'],
    message: 'send either input_file_id or requests',
  });

export type BatchBody = z.infer<typeof batchBodySchema>;

/**
 * The batch's requests, each checked as `POST /v1/chat/completions` checks its body; a 400 names the line (1-based
 * in a file, 0-based under `requests`) and the field, so nothing is sent until every request could run.
 */
export function readBatchLines(source: { file: string } | { requests: unknown[] }, maxRequests: number): BatchLine[] {
  const fromFile = 'file' in source;
  const raw: Array<{ value: unknown; where: string; param: string }> = [];
  if (fromFile) {
    const lines = source.file.split('\n');
    for (const [index, text] of lines.entries()) {
      if (text.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        throw new HttpError(400, 'invalid_batch_file', `Line ${index + 1} of the input file is not JSON.`, {
          param: 'input_file_id',
        });
      }
      raw.push({ value, where: `line ${index + 1} of the input file`, param: 'input_file_id' });
    }
  } else {
    source.requests.forEach((value, index) =>
      raw.push({ value, where: `requests.${index}`, param: `requests.${index}` }),
    );
  }
  if (raw.length === 0) {
    throw new HttpError(400, 'invalid_batch_file', 'The batch has no request.', {
      param: fromFile ? 'input_file_id' : 'requests',
    });
  }
  if (raw.length > maxRequests) {
    throw new HttpError(
      400,
      'batch_too_large',
      `A batch holds at most ${maxRequests} requests; this one has ${raw.length}.`,
      {
        param: fromFile ? 'input_file_id' : 'requests',
      },
    );
  }
  const seen = new Set<string>();
  return raw.map(({ value, where, param }) => {
    const parsed = batchLineSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.map(String).join('.') || '(request)';
      throw new HttpError(400, 'invalid_batch_request', `${where}: ${field}: ${issue?.message ?? 'invalid'}`, {
        param: fromFile ? param : `${param}.${field}`,
      });
    }
    if (parsed.data.body.stream) {
      throw new HttpError(400, 'invalid_batch_request', `${where}: body.stream: batch requests do not stream`, {
        param,
      });
    }
    if (seen.has(parsed.data.custom_id)) {
      throw new HttpError(
        400,
        'invalid_batch_request',
        `${where}: custom_id "${parsed.data.custom_id}" is used twice`,
        {
          param,
        },
      );
    }
    seen.add(parsed.data.custom_id);
    return parsed.data;
  });
}
