import { CliError, UsageError } from './cli-error';

/** Where the API is and the operator key to call it with. */
export interface ApiClientOptions {
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  url: string;
  adminKey: string | undefined;
}

/** Query parameters; undefined values are left out. */
export type Query = Record<string, string | number | boolean | undefined>;

/** An error answer of the API: its status, stable code and message. */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
  ) {
    super(`${detail} (${code}, HTTP ${status})`);
  }
}

/** The message and code of an error body, in either of the API's error shapes. */
function errorOf(body: unknown): { code: string; message: string } | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const problem = body as { code?: unknown; detail?: unknown; error?: { code?: unknown; message?: unknown } };
  if (typeof problem.code === 'string') {
    return { code: problem.code, message: typeof problem.detail === 'string' ? problem.detail : problem.code };
  }
  const openai = problem.error;
  if (openai && typeof openai.message === 'string') {
    return { code: typeof openai.code === 'string' ? openai.code : 'error', message: openai.message };
  }
  return undefined;
}

/** The operating-system error code under a failed `fetch` (ECONNREFUSED, ENOTFOUND…), if any. */
function networkCode(err: unknown): string | undefined {
  const cause = (err as { cause?: { code?: unknown } }).cause;
  return typeof cause?.code === 'string' ? cause.code : undefined;
}

/** A thin client of the Switchyard API that turns every failure into one readable `CliError`. */
export class ApiClient {
  private readonly base: string;

  constructor(private readonly options: ApiClientOptions) {
    let parsed: URL;
    try {
      parsed = new URL(options.url);
    } catch {
      throw new UsageError(`--url / SWITCHYARD_URL: "${options.url}" is not a URL; use e.g. http://127.0.0.1:8080`);
    }
    this.base = parsed.toString().replace(/\/+$/, '');
  }

  /** `GET path?query`, answered with the parsed JSON body. */
  get<T>(path: string, query: Query = {}): Promise<T> {
    return this.request<T>('GET', path, query);
  }

  /** `POST path?query` with a JSON body, answered with the parsed JSON body. */
  post<T>(path: string, body?: unknown, query: Query = {}): Promise<T> {
    return this.request<T>('POST', path, query, body);
  }

  private async request<T>(method: string, path: string, query: Query, body?: unknown): Promise<T> {
    const { adminKey } = this.options;
    if (!adminKey) {
      throw new UsageError('No operator key: pass --admin-key <key> or set SWITCHYARD_ADMIN_KEY.');
    }
    const url = new URL(`${this.base}${path}`);
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${adminKey}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(60_000),
      });
    } catch (err) {
      throw this.unreachable(err);
    }
    const text = await response.text();
    let parsed: unknown = undefined;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      // Not JSON: reported below by status, or as an unreadable answer.
    }
    if (!response.ok) {
      const error = errorOf(parsed);
      throw new ApiError(
        response.status,
        error?.code ?? 'http_error',
        error?.message ?? `${method} ${url.pathname} failed: ${text.slice(0, 200) || response.statusText}`,
      );
    }
    if (parsed === undefined) throw new CliError(`${method} ${url.pathname} answered something that is not JSON.`);
    return parsed as T;
  }

  private unreachable(err: unknown): CliError {
    const code = networkCode(err);
    if (code === 'ECONNREFUSED') {
      return new CliError(
        `Cannot reach the Switchyard API at ${this.base}: connection refused. Start it with \`npm start\` ` +
          '(or `npm run start:api`), or point --url / SWITCHYARD_URL at the running API.',
      );
    }
    if (err instanceof DOMException && err.name === 'TimeoutError') {
      return new CliError(`The Switchyard API at ${this.base} did not answer within 60 s.`);
    }
    const cause = (err as { cause?: { message?: unknown } }).cause;
    const reason = code ?? (typeof cause?.message === 'string' ? cause.message : String(err));
    return new CliError(
      `Cannot reach the Switchyard API at ${this.base} (${reason}). Check --url / SWITCHYARD_URL and that the API is running.`,
    );
  }
}
