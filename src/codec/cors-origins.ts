import { z } from 'zod';

/** The dev server's Web UI (`npm start`), under both names a browser may have been pointed at. */
export const DEFAULT_CODEC_CORS_ORIGINS = ['http://localhost:8233', 'http://127.0.0.1:8233'];

/**
 * `SWITCHYARD_CODEC_CORS_ORIGINS`: comma-separated origins (`scheme://host[:port]`) of the Temporal Web UIs whose
 * browsers may call the codec endpoint.
 */
export const codecCorsOriginsSchema = z.string().transform((value, ctx): string[] => {
  const origins: string[] = [];
  for (const raw of value.split(',')) {
    const origin = raw.trim();
    if (origin === '') continue;
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    // A browser sends exactly `scheme://host[:port]`, so anything else (a path, a trailing slash) would never match.
    if (!parsed || !['http:', 'https:'].includes(parsed.protocol) || parsed.origin !== origin) {
      ctx.addIssue({
        code: 'custom',
        message: `"${origin}" is not an origin; use scheme://host[:port] with no path, e.g. https://temporal-ui.example.com`,
      });
      continue;
    }
    origins.push(origin);
  }
  return origins;
});
