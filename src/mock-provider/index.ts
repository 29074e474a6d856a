export { startMockProvider, type MockProviderHandle, type MockProviderOptions } from './server';
export { DEFAULT_BEHAVIOR, FAULT_KINDS, MockBehaviorError, type FaultKind, type MockBehavior } from './behavior';
export { type EndpointId, type MockStats } from './stats';
