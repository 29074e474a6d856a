/** The fields of an upload to `POST /files`: its text fields, and the one file it carries. */
export interface FileUpload {
  fields: Map<string, string>;
  file: { filename: string; content: string } | undefined;
}

/**
 * Reads a `multipart/form-data` body with the parser built into Node's fetch (undici), so neither the API nor the
 * mock needs a dependency for it. The file is read as UTF-8 text, which is what the Batch API's JSONL files are.
 * @returns undefined when the body is not a multipart form.
 */
export async function readFileUpload(
  contentType: string | undefined,
  body: string | Uint8Array,
): Promise<FileUpload | undefined> {
  if (contentType === undefined || !/^multipart\/form-data\s*;/i.test(contentType)) return undefined;
  let form: FormData;
  try {
    form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
  } catch {
    return undefined;
  }
  const fields = new Map<string, string>();
  let file: FileUpload['file'];
  for (const [name, value] of form.entries()) {
    if (typeof value === 'string') fields.set(name, value);
    else if (name === 'file' && file === undefined) file = { filename: value.name, content: await value.text() };
  }
  return { fields, file };
}
