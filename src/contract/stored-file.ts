/** A file as the file store holds it: an uploaded batch input, or a batch job's output or error file. */
export interface StoredFile {
  /** `file-…`. */
  id: string;
  /** Only this tenant reads it. */
  tenantId: string;
  filename: string;
  /** `batch` for uploads; `batch_output` for what a batch job wrote. */
  purpose: 'batch' | 'batch_output';
  bytes: number;
  /** Epoch seconds. */
  createdAt: number;
  /** JSONL text. */
  content: string;
}
