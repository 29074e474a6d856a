/** What the embeddings cache holds for one text of one model (and vector length). */
export interface CachedEmbedding {
  /** Base64 float32, as `EmbedTextsResult.vectors`. */
  vector: string;
  /** The model as the provider named it. */
  model: string;
  providerId: string;
}
