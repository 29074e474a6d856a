export * from './types';
export * from './provider-error';
export * from './classify-error';
export * from './retry-after';
export * from './openai-adapter';
export * from './anthropic-adapter';
export * from './gemini-adapter';
export * from './registry';
