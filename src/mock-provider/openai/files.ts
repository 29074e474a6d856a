import { unixSeconds } from '../batch-clock';

/** Purposes the real Files API accepts on upload. */
export const UPLOAD_PURPOSES: ReadonlySet<string> = new Set([
  'assistants',
  'batch',
  'fine-tune',
  'vision',
  'user_data',
  'evals',
]);

/** Files of purpose `batch` expire after 30 days, as the real API's default. */
const BATCH_FILE_LIFETIME_MS = 30 * 24 * 60 * 60 * 1000;

/** Enough files for any test or benchmark run; past either cap the oldest files are dropped. */
const MAX_FILES = 2_000;
const MAX_TOTAL_BYTES = 512 * 1024 * 1024;

/** One stored file. */
export interface StoredFile {
  id: string;
  filename: string;
  /** What the file is for; `batch_output` marks the output and error files a batch writes. */
  purpose: string;
  createdAt: number;
  content: string;
  bytes: number;
}

/** The `File` object of the real API. */
export function fileObject(file: StoredFile): Record<string, unknown> {
  const expires = file.purpose === 'batch' || file.purpose === 'batch_output';
  return {
    id: file.id,
    object: 'file',
    bytes: file.bytes,
    created_at: unixSeconds(file.createdAt),
    ...(expires && { expires_at: unixSeconds(file.createdAt + BATCH_FILE_LIFETIME_MS) }),
    filename: file.filename,
    purpose: file.purpose,
    status: 'processed',
    status_details: null,
  };
}

/** The mock's Files API storage: in memory, oldest dropped past {@link MAX_FILES} or {@link MAX_TOTAL_BYTES}. */
export class OpenAIFiles {
  private readonly files = new Map<string, StoredFile>();
  private totalBytes = 0;

  /** Stores a file under a new id. */
  add(sequence: number, filename: string, purpose: string, content: string, now: number): StoredFile {
    const bytes = Buffer.byteLength(content);
    const file: StoredFile = { id: fileId(sequence), filename, purpose, createdAt: now, content, bytes };
    this.files.set(file.id, file);
    this.totalBytes += bytes;
    // A batch reads its input when it is created, so dropping any old file never stops a running batch.
    for (const oldest of this.files.values()) {
      if ((this.files.size <= MAX_FILES && this.totalBytes <= MAX_TOTAL_BYTES) || oldest === file) break;
      this.delete(oldest.id);
    }
    return file;
  }

  get(id: string): StoredFile | undefined {
    return this.files.get(id);
  }

  delete(id: string): boolean {
    const file = this.files.get(id);
    if (file === undefined) return false;
    this.files.delete(id);
    this.totalBytes -= file.bytes;
    return true;
  }

  clear(): void {
    this.files.clear();
    this.totalBytes = 0;
  }
}

/** `file-…` ids: unique per mock and deterministic for a given request order. */
function fileId(sequence: number): string {
  return `file-mock${sequence.toString(16).padStart(16, '0')}`;
}
