// The one entry the worker bundles: every workflow type is exported from here.
export { aiJob } from './ai-job';
export { providerFlight } from './provider-flight';
