export * from './config';
export * from './config-error';
export * from './load-config';
export * from './resolve-targets';
export * from './model-catalogue';
export type {
  ConfigFile,
  ProviderConfig,
  ModelConfig,
  RouteConfig,
  TenantConfig,
  TenantCacheConfig,
  CacheMode,
} from './schema';
