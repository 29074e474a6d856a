/**
 * The providers' model lists — OpenAI's and Anthropic's `GET /v1/models`, Gemini's `GET /v1beta/models` — the
 * cheapest authenticated call each API has, which is what key checks (`switchyard doctor`) make.
 */

import { anthropicWire } from './anthropic/wire';
import { geminiWire } from './gemini/wire';
import { openaiWire } from './openai/wire';
import { type MockResource, type ResourceReply, resourceTable } from './resource';

/** The models each wire lists: the ones Switchyard's catalogue knows, as the real APIs list them. */
const OPENAI_MODELS = ['gpt-4o-mini', 'gpt-4o', 'gpt-4.1-mini', 'gpt-5-mini', 'text-embedding-3-small'];
const ANTHROPIC_MODELS = ['claude-haiku-4-5', 'claude-sonnet-4-5', 'claude-opus-4-5'];
const GEMINI_MODELS = ['gemini-2.5-flash', 'gemini-2.5-flash-lite', 'gemini-2.5-pro', 'gemini-embedding-001'];

/** A fixed creation time, so the answers are deterministic. */
const CREATED_SECONDS = 1_700_000_000;

function openaiModels(): ResourceReply {
  const data = OPENAI_MODELS.map((id) => ({ id, object: 'model', created: CREATED_SECONDS, owned_by: 'system' }));
  return { status: 200, body: { object: 'list', data } };
}

function anthropicModels(): ResourceReply {
  const createdAt = new Date(CREATED_SECONDS * 1000).toISOString();
  const data = ANTHROPIC_MODELS.map((id) => ({ type: 'model', id, display_name: id, created_at: createdAt }));
  return {
    status: 200,
    body: { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null },
  };
}

function geminiModels(): ResourceReply {
  const models = GEMINI_MODELS.map((id) => ({
    name: `models/${id}`,
    version: '001',
    displayName: id,
    supportedGenerationMethods: id.includes('embedding') ? ['embedContent'] : ['generateContent', 'countTokens'],
  }));
  return { status: 200, body: { models } };
}

const openaiList: MockResource = { id: 'openai.models', wire: openaiWire, handle: openaiModels };
const anthropicList: MockResource = { id: 'anthropic.models', wire: anthropicWire, handle: anthropicModels };
const geminiList: MockResource = { id: 'gemini.models', wire: geminiWire, handle: geminiModels };

/** The three model lists, under each provider's base URL in the mock. */
export const modelsRoutes = resourceTable([
  ['GET /openai/v1/models', openaiList],
  ['GET /anthropic/v1/models', anthropicList],
  ['GET /gemini/v1beta/models', geminiList],
  ['GET /gemini/v1/models', geminiList],
]);
