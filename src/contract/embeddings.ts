/**
 * Embeddings in Switchyard's normalised shape, shared by the API, the activities and the workflows: texts in
 * order in, one vector per text out, whatever the provider's wire format.
 */

/** One embeddings call of a provider. */
export interface EmbeddingCall {
  /** The provider's own model name. */
  model: string;
  /** The texts to embed, in order; at least one. */
  input: string[];
  /** Length of each vector, for models that can shorten theirs; the model's default when absent. */
  dimensions?: number;
}

/** What a provider answered to an {@link EmbeddingCall}. */
export interface Embeddings {
  /** The model that answered, as the provider names it. */
  model: string;
  /** One vector per input text, in input order. */
  vectors: number[][];
  /**
   * Input tokens billed. Providers that do not report them (Gemini) get the same estimate from the text as
   * the reservation makes, so the charge never falls below what was reserved for it.
   */
  inputTokens: number;
}
