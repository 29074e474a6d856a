/**
 * The names the mock's bookkeeping is keyed by. A leaf module: the stats, the call log and the provider
 * folders all import it, so none of them has to import another for a name.
 */

/** The provider wire formats the mock speaks, one folder each. */
export type WireName = 'openai' | 'anthropic' | 'gemini';

/**
 * The provider endpoints the mock serves; stats are keyed by these ids. The batch APIs count their requests
 * per kind (`…batches.create` counts submissions, `…batches.cancel` cancellations, `…batches.read` polls,
 * lists and result downloads); `openai.batch` and `anthropic.batch` name the call-log entries of the items a
 * batch answered, which are not HTTP requests of their own.
 */
export type EndpointId =
  | 'openai.chat'
  | 'openai.embeddings'
  | 'anthropic.messages'
  | 'gemini.generateContent'
  | 'gemini.embedContent'
  | 'openai.files'
  | 'openai.batches.create'
  | 'openai.batches.read'
  | 'openai.batches.cancel'
  | 'openai.batch'
  | 'anthropic.batches.create'
  | 'anthropic.batches.read'
  | 'anthropic.batches.cancel'
  | 'anthropic.batch'
  | 'openai.models'
  | 'anthropic.models'
  | 'gemini.models';
