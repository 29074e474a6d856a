export * from './cors-origins';
export * from './data-converter';
export * from './encryption-codec';
export * from './payload-keys';
export * from './payload-json';
