/**
 * The names the mock's bookkeeping is keyed by. A leaf module: the stats, the call log and the provider
 * folders all import it, so none of them has to import another for a name.
 */

/** The provider wire formats the mock speaks, one folder each. */
export type WireName = 'openai' | 'anthropic' | 'gemini';

/** The provider endpoints the mock serves; stats are keyed by these ids. */
export type EndpointId =
  'openai.chat' | 'openai.embeddings' | 'anthropic.messages' | 'gemini.generateContent' | 'gemini.embedContent';
