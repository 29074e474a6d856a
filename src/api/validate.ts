import type { z } from 'zod';
import { HttpError } from './http-error';

/** Parses `value` with `schema`, or throws a 400 naming the first offending field. */
export function validate<T extends z.ZodType>(schema: T, value: unknown, code = 'invalid_request'): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : null;
  const problems = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(body)'}: ${i.message}`);
  throw new HttpError(400, code, problems.join('; '), {
    param: field,
    details: { errors: parsed.error.issues.map((i) => ({ field: i.path.map(String).join('.'), message: i.message })) },
  });
}
