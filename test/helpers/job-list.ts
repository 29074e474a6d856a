import type { JsonResponse } from './http';

/** An item of a `GET /v1/jobs` answer, with the fields the tests read by name. */
export interface ListItem {
  id: string;
  tenant: string | null;
  created_at: string;
  replay_of: string | null;
  [field: string]: unknown;
}

/** The items of a `GET /v1/jobs` answer. */
export const itemsOf = (body: JsonResponse['body']) => body.data as ListItem[];
