import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { Config } from '../../config';
import { payloadCodecFor } from '../../codec/data-converter';
import { PayloadDecryptionError } from '../../codec/encryption-codec';
import { payloadsFromJson, payloadsJsonSchema, payloadsToJson } from '../../codec/payload-json';
import { adminAuth } from '../auth';
import { HttpError } from '../http-error';
import { validate } from '../validate';

// A batch of payloads never exceeds one gRPC message of the Temporal frontend (4 MB), base64 adds a third.
const BODY_LIMIT = '6mb';

/**
 * Answers the browser of a Temporal Web UI listed in SWITCHYARD_CODEC_CORS_ORIGINS. Preflights carry no credentials,
 * so they are answered before authentication; the requests that follow are authenticated as usual.
 */
function codecCors(allowedOrigins: readonly string[]) {
  const allowed = new Set(allowedOrigins);
  return function allowTemporalUi(req: Request, res: Response, next: NextFunction): void {
    res.vary('Origin');
    const origin = req.get('origin');
    const permitted = origin !== undefined && allowed.has(origin);
    if (permitted) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      // For the UI's "Include cross-origin credentials" setting.
      res.setHeader('Access-Control-Allow-Credentials', 'true');
    }
    if (req.method !== 'OPTIONS') return next();
    if (!permitted) {
      throw new HttpError(
        403,
        'origin_not_allowed',
        `Origin ${origin ?? '(none)'} may not call the codec endpoint; add it to SWITCHYARD_CODEC_CORS_ORIGINS.`,
      );
    }
    res.vary('Access-Control-Request-Headers');
    res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
    res.setHeader(
      'Access-Control-Allow-Headers',
      req.get('access-control-request-headers') ?? 'authorization, content-type, x-namespace',
    );
    res.setHeader('Access-Control-Max-Age', '600');
    res.status(204).end();
  };
}

/**
 * The Temporal codec server protocol (`POST …/decode`, `POST …/encode`, protobuf-JSON `Payloads` in and out), so an
 * operator can read encrypted payloads in the Temporal Web UI or with `temporal workflow show --codec-endpoint`.
 * Operator key only: whoever may call it may read every prompt and completion. Mount at `/v1/admin/codec`.
 */
export function codecRouter(config: Config): Router {
  const router = Router();
  const codec = payloadCodecFor(config);
  router.use(codecCors(config.payloadEncryption.codecCorsOrigins));
  router.use(adminAuth(config), express.json({ limit: BODY_LIMIT }));

  // The protocol tells the endpoints apart by the last path segment, so `…/codec/{namespace}/decode` works too.
  router.post(['/decode', '/:namespace/decode'], async (req, res) => {
    const payloads = payloadsFromJson(validate(payloadsJsonSchema, req.body));
    try {
      // Without keys nothing is encrypted, and the SDK's own payloads need no decoding.
      res.json(payloadsToJson(codec ? await codec.decode(payloads) : payloads));
    } catch (err) {
      // The protocol answers a payload the codec cannot decode with a 400.
      if (err instanceof PayloadDecryptionError) {
        throw new HttpError(400, err.code, err.message, { details: { key_id: err.keyId } });
      }
      throw err;
    }
  });

  router.post(['/encode', '/:namespace/encode'], async (req, res) => {
    const payloads = payloadsFromJson(validate(payloadsJsonSchema, req.body));
    res.json(payloadsToJson(codec ? await codec.encode(payloads) : payloads));
  });
  return router;
}
