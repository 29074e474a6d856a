import { randomBytes } from 'node:crypto';
import express, { Router } from 'express';
import { readFileUpload } from '../../codec/multipart-upload';
import type { StoredFile } from '../../contract/stored-file';
import type { ResponseCacheStore } from '../../stores/cache/contract';
import { guardStore } from '../../stores/shared/store-unavailable';
import { tenantOf } from '../auth';
import { batchBodySchema } from '../batch-schemas';
import type { BatchService } from '../batch-service';
import { HttpError } from '../http-error';
import type { TenantRateLimiter } from '../rate-limits';
import { validate } from '../validate';

/** How long an uploaded file is kept: as long as a batch may take and its results be read. */
const UPLOAD_SECONDS = 30 * 86_400;

/** OpenAI's file object. */
function fileObject(file: StoredFile) {
  return {
    id: file.id,
    object: 'file' as const,
    bytes: file.bytes,
    created_at: file.createdAt,
    filename: file.filename,
    purpose: file.purpose,
    status: 'processed' as const,
  };
}

/**
 * OpenAI's Files API for batch inputs and outputs: upload a JSONL file (`purpose: "batch"`), read it back, and
 * download a batch job's output and error files. Each tenant sees only its own files.
 */
export function filesRouter(batches: BatchService, files: ResponseCacheStore<StoredFile>, maxFileMb: number): Router {
  const router = Router();
  const raw = express.raw({ type: () => true, limit: `${maxFileMb}mb` });

  router.post('/', raw, async (req, res) => {
    const body: unknown = req.body;
    const upload = await readFileUpload(req.get('content-type'), Buffer.isBuffer(body) ? body : Buffer.alloc(0));
    if (!upload) {
      throw new HttpError(
        400,
        'invalid_upload',
        'Upload the file as multipart/form-data with fields "file" and "purpose".',
        {
          param: 'file',
        },
      );
    }
    if (upload.fields.get('purpose') !== 'batch') {
      throw new HttpError(400, 'invalid_purpose', 'purpose must be "batch": files serve batch jobs.', {
        param: 'purpose',
      });
    }
    if (!upload.file || upload.file.content.trim() === '') {
      throw new HttpError(400, 'invalid_upload', 'The upload has no file, or the file is empty.', { param: 'file' });
    }
    const file: StoredFile = {
      id: `file-${randomBytes(12).toString('hex')}`,
      tenantId: tenantOf(res),
      filename: upload.file.filename || 'upload.jsonl',
      purpose: 'batch',
      bytes: Buffer.byteLength(upload.file.content, 'utf8'),
      createdAt: Math.floor(Date.now() / 1000),
      content: upload.file.content,
    };
    await guardStore('cache', () => files.set(file.id, file, UPLOAD_SECONDS, 0));
    res.json(fileObject(file));
  });

  router.get('/:id', async (req, res) => {
    res.json(fileObject(await batches.ownFile(tenantOf(res), req.params.id ?? '', 'file_id')));
  });

  router.get('/:id/content', async (req, res) => {
    const file = await batches.ownFile(tenantOf(res), req.params.id ?? '', 'file_id');
    res.type('application/jsonl').send(file.content);
  });

  router.delete('/:id', async (req, res) => {
    const file = await batches.ownFile(tenantOf(res), req.params.id ?? '', 'file_id');
    await guardStore('cache', () => files.delete(file.id));
    res.json({ id: file.id, object: 'file', deleted: true });
  });

  return router;
}

/** OpenAI's Batch API: create a batch job from an uploaded file or a list of requests, read it, cancel it. */
export function batchesRouter(batches: BatchService, limiter: TenantRateLimiter): Router {
  const router = Router();

  router.post('/', async (req, res) => {
    const body = validate(batchBodySchema, req.body);
    const tenantId = tenantOf(res);
    // One request of the tenant's rate limit: the batch's own requests run at the provider's batch pace.
    res.json(await batches.create(tenantId, body, () => limiter.consume(tenantId, 0)));
  });

  router.get('/:id', async (req, res) => {
    res.json(await batches.view(req.params.id ?? '', tenantOf(res)));
  });

  router.post('/:id/cancel', async (req, res) => {
    res.json(await batches.cancel(req.params.id ?? '', tenantOf(res)));
  });

  return router;
}
