import { Router } from 'express';
import { buildOpenApiDocument } from '../openapi';

/** `GET /openapi.json` (no key): the API's OpenAPI 3.1 document, built once from the validation schemas. */
export function openApiRouter(): Router {
  const router = Router();
  const document = JSON.stringify(buildOpenApiDocument());
  router.get('/openapi.json', (_req, res) => {
    res.type('application/json').send(document);
  });
  return router;
}
