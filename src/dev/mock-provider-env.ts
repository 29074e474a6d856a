/** The providers' conventional variables pointing every provider at the mock provider at `mockUrl`. */
export function mockProviderEnv(mockUrl: string): Record<string, string> {
  return {
    OPENAI_API_KEY: 'sk-mock-openai',
    OPENAI_BASE_URL: `${mockUrl}/openai/v1`,
    ANTHROPIC_API_KEY: 'sk-mock-anthropic',
    ANTHROPIC_BASE_URL: `${mockUrl}/anthropic`,
    GEMINI_API_KEY: 'mock-gemini',
    GEMINI_BASE_URL: `${mockUrl}/gemini`,
  };
}
