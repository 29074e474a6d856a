import { CAPABILITIES, type Capability, type RequiredCapability } from '../contract/capabilities';
import type { ChatRequest, ProviderType } from '../contract/chat';
import type { JobTarget } from '../contract/job';
import type { Config } from './config';
import { ownEntry } from './own-entry';
import type { CapabilityOverrides } from './schema';

/** What a target supports: every capability, true or false. */
export type CapabilitySet = Readonly<Record<Capability, boolean>>;

const ALL = Object.fromEntries(CAPABILITIES.map((c) => [c, true])) as Record<Capability, boolean>;

/**
 * What each provider type's adapter translates faithfully. OpenAI-compatible servers (vLLM, Ollama, Groq…)
 * share OpenAI's core surface but not its hosted extras; Anthropic has no logprobs, choices, penalties, bias
 * or seed, and no temperature above 1; Gemini has neither logprobs nor bias nor a switch for parallel calls.
 */
export const DEFAULT_CAPABILITIES: Readonly<Record<ProviderType, CapabilitySet>> = {
  openai: ALL,
  'openai-compatible': {
    ...ALL,
    audio: false,
    files: false,
    reasoning_effort: false,
    service_tier: false,
    store: false,
  },
  anthropic: {
    ...ALL,
    audio: false,
    logprobs: false,
    multiple_choices: false,
    penalties: false,
    logit_bias: false,
    seed: false,
    reasoning_effort: false,
    service_tier: false,
    store: false,
    temperature_above_1: false,
  },
  gemini: {
    ...ALL,
    parallel_tool_calls: false,
    logprobs: false,
    logit_bias: false,
    service_tier: false,
    store: false,
  },
};

/**
 * What a target supports: its provider type's defaults, then its provider's overrides, then those of the
 * configured model entries naming the same provider and model (an alias or a priced `provider:model`).
 */
export function capabilitiesOf(config: Config, target: JobTarget): CapabilitySet {
  const provider = ownEntry(config.providers, target.providerId);
  const models = Object.values(config.models).filter(
    (entry) => entry.provider === target.providerId && entry.model === target.model,
  );
  const overrides: CapabilityOverrides[] = [
    provider?.capabilities ?? {},
    ...models.map((entry) => entry.capabilities ?? {}),
  ];
  const set: Record<Capability, boolean> = { ...DEFAULT_CAPABILITIES[target.providerType] };
  for (const override of overrides) {
    for (const capability of CAPABILITIES) {
      const value = override[capability];
      if (value !== undefined) set[capability] = value;
    }
  }
  return set;
}

/** What a provider type lacks for this particular request, beyond its capability set. */
function lacksForRequest(providerType: ProviderType, request: ChatRequest): Set<Capability> {
  const lacking = new Set<Capability>();
  // Anthropic's structured outputs are a forced tool call, which cannot sit beside the caller's own tools.
  if (providerType === 'anthropic' && request.tools !== undefined && request.tools.length > 0) {
    lacking.add('json_schema').add('json_object');
  }
  // Anthropic and Gemini take files inline only (Anthropic: PDFs); an OpenAI file id means nothing to them.
  for (const message of request.messages) {
    if (message.role !== 'user' || typeof message.content === 'string') continue;
    for (const part of message.content) {
      if (part.type !== 'file') continue;
      if ((providerType === 'anthropic' || providerType === 'gemini') && part.file.file_id !== undefined) {
        lacking.add('files');
      }
      if (providerType === 'anthropic' && !part.file.file_data?.startsWith('data:application/pdf;base64,')) {
        lacking.add('files');
      }
    }
  }
  return lacking;
}

/**
 * The capabilities of `required` that `target` cannot honour for `request`: those its set lacks, and those its
 * provider type cannot serve in this request's form (see `lacksForRequest`).
 */
export function missingCapabilities(
  config: Config,
  target: JobTarget,
  request: ChatRequest,
  required: readonly RequiredCapability[],
): RequiredCapability[] {
  const set = capabilitiesOf(config, target);
  const lacking = lacksForRequest(target.providerType, request);
  return required.filter(({ capability }) => !set[capability] || lacking.has(capability));
}
