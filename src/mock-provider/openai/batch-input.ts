import { isJsonObject, type JsonObject, parseJson } from '../json';

/** Most requests one input file may hold, as the real Batch API allows. */
export const MAX_BATCH_REQUESTS = 50_000;

/** Validation stops listing problems past this many; the batch fails either way. */
const MAX_REPORTED_ERRORS = 100;

/** One request of an input file: `{ custom_id, method, url, body }`. */
export interface BatchInputLine {
  customId: string;
  body: JsonObject;
}

/** One entry of a failed batch's `errors.data`, as the real API reports a problem with the input file. */
export interface BatchValidationError {
  code: string;
  message: string;
  param: string | null;
  /** 1-based line of the input file, or null for a problem with the file as a whole. */
  line: number | null;
}

export type BatchInput = { ok: true; lines: BatchInputLine[] } | { ok: false; errors: BatchValidationError[] };

/**
 * Reads a batch input file the way the real Batch API validates it. Problems with the file's structure (a line
 * that is not JSON, a missing `custom_id`, `method` or `body`, a `url` other than the batch's endpoint, a
 * repeated `custom_id`) fail the whole batch while it validates, as they do on the real API. What is inside a
 * body is not checked here: the endpoint checks it when the item is answered, and a bad body makes only that
 * item fail.
 */
export function readBatchInput(content: string, endpoint: string): BatchInput {
  const lines: BatchInputLine[] = [];
  const errors: BatchValidationError[] = [];
  const seen = new Set<string>();
  const problem = (line: number, code: string, message: string, param: string | null = null): void => {
    if (errors.length < MAX_REPORTED_ERRORS) errors.push({ code, message, param, line });
  };
  for (const [index, text] of content.split('\n').entries()) {
    if (text.trim() === '') continue;
    const line = index + 1;
    const request = parseJson(text);
    if (!isJsonObject(request)) {
      problem(line, 'invalid_json_line', 'This line is not parseable as valid JSON.');
      continue;
    }
    const { custom_id: customId, method, url, body } = request;
    if (typeof customId !== 'string' || customId === '') {
      problem(line, 'missing_required_parameter', "Missing required parameter: 'custom_id'.", 'custom_id');
    } else if (seen.has(customId)) {
      problem(line, 'duplicate_custom_id', `The custom_id '${customId}' is used more than once.`, 'custom_id');
    }
    if (method !== 'POST') problem(line, 'invalid_method', "Invalid 'method': only 'POST' is supported.", 'method');
    if (url !== endpoint) {
      problem(line, 'invalid_url', `The 'url' of every request must be the batch's endpoint '${endpoint}'.`, 'url');
    }
    if (!isJsonObject(body)) problem(line, 'missing_required_parameter', "Missing required parameter: 'body'.", 'body');
    if (typeof customId === 'string' && customId !== '') seen.add(customId);
    if (typeof customId === 'string' && isJsonObject(body)) lines.push({ customId, body });
  }
  if (lines.length === 0 && errors.length === 0) {
    errors.push({ code: 'empty_file', message: 'The batch input file is empty.', param: null, line: null });
  }
  if (lines.length > MAX_BATCH_REQUESTS) {
    errors.push({
      code: 'too_many_requests',
      message: `The batch input file holds ${lines.length} requests, more than the ${MAX_BATCH_REQUESTS} allowed.`,
      param: null,
      line: null,
    });
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, lines };
}
