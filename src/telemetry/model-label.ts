import type { Config } from '../config/config';

/** The names a `model` metric label may take: the config's own, so the label set stays bounded. */
export type ModelLabelNames = Pick<Config, 'models' | 'routes' | 'providers'>;

/**
 * The `model` label of a requested name. A configured model or route keeps its name; `provider:model` for a
 * configured provider counts as `provider:<id>`, since the part after the colon is whatever the caller
 * typed; anything else is `other`. Every label value is thus a name from the config.
 */
export function modelLabel(names: ModelLabelNames, requested: string): string {
  if (Object.hasOwn(names.models, requested) || Object.hasOwn(names.routes, requested)) return requested;
  const colon = requested.indexOf(':');
  const providerId = colon > 0 ? requested.slice(0, colon) : '';
  return providerId && Object.hasOwn(names.providers, providerId) ? `provider:${providerId}` : 'other';
}
