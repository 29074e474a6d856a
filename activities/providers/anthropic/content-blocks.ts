/** The content parts of a normalised user message as Anthropic content blocks. */

import type Anthropic from '@anthropic-ai/sdk';
import type { ChatFilePart, ChatImagePart, ChatUserPart } from '../../../src/contract/chat';
import { FailureType } from '../../../src/contract/failure-types';
import { ProviderError } from '../provider-error';

/** The image types Anthropic accepts inline; anything else is rejected by its API. */
const IMAGE_MEDIA_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'] as const;

type ImageMediaType = (typeof IMAGE_MEDIA_TYPES)[number];

/** A block of a user turn: text, image, PDF document or a tool result. */
export type AnthropicUserBlock =
  Anthropic.TextBlockParam | Anthropic.ImageBlockParam | Anthropic.DocumentBlockParam | Anthropic.ToolResultBlockParam;

/**
 * A request the adapter cannot express in Anthropic's format. The capability check keeps such requests away
 * from Anthropic targets; should one get here, it fails as a bad request (not retried) rather than reaching
 * the model with a part silently left out.
 */
export function untranslatable(detail: string): ProviderError {
  return new ProviderError(FailureType.InvalidRequest, `Anthropic cannot take this request: ${detail}`);
}

/** Media type and base64 data of a `data:…;base64,…` URI, or undefined when it is not one. */
function parseDataUri(uri: string): { mediaType: string; data: string } | undefined {
  const match = /^data:([\w.+-]+\/[\w.+-]+);base64,(.*)$/s.exec(uri);
  if (!match || match[1] === undefined || match[2] === undefined) return undefined;
  return { mediaType: match[1].toLowerCase(), data: match[2] };
}

function isImageMediaType(mediaType: string): mediaType is ImageMediaType {
  return (IMAGE_MEDIA_TYPES as readonly string[]).includes(mediaType);
}

/** An `image_url` part: a data URI becomes a base64 source, an http(s) URL a url source Anthropic fetches. */
export function toImageBlock(part: ChatImagePart): Anthropic.ImageBlockParam {
  const { url } = part.image_url;
  const inline = parseDataUri(url);
  if (inline !== undefined) {
    if (!isImageMediaType(inline.mediaType)) {
      throw untranslatable(`images must be JPEG, PNG, GIF or WebP, not ${inline.mediaType}`);
    }
    return { type: 'image', source: { type: 'base64', media_type: inline.mediaType, data: inline.data } };
  }
  if (/^https?:\/\//i.test(url)) return { type: 'image', source: { type: 'url', url } };
  throw untranslatable('an image_url must be an https URL or a base64 data URI');
}

/**
 * A `file` part: an inline PDF becomes a document block titled with the file name. File ids name files
 * uploaded to OpenAI, which Anthropic cannot read.
 */
export function toDocumentBlock(part: ChatFilePart): Anthropic.DocumentBlockParam {
  const { file_data: fileData, file_id: fileId, filename } = part.file;
  if (fileData === undefined) {
    throw untranslatable(fileId !== undefined ? 'file parts by file_id' : 'a file part without file_data');
  }
  const inline = parseDataUri(fileData);
  // OpenAI documents file_data as a data URI; a bare base64 text is taken as a PDF when its name says so.
  const isBarePdf = inline === undefined && filename !== undefined && /\.pdf$/i.test(filename);
  if (inline?.mediaType !== 'application/pdf' && !isBarePdf) {
    throw untranslatable(`files must be PDF data URIs, not ${inline?.mediaType ?? 'undecodable file_data'}`);
  }
  return {
    type: 'document',
    source: { type: 'base64', media_type: 'application/pdf', data: inline?.data ?? fileData },
    ...(filename !== undefined && filename !== '' && { title: filename }),
  };
}

/** The blocks of a user message's content parts; empty text parts are left out, as Anthropic rejects them. */
export function toUserBlocks(parts: readonly ChatUserPart[]): AnthropicUserBlock[] {
  const blocks: AnthropicUserBlock[] = [];
  for (const part of parts) {
    switch (part.type) {
      case 'text':
        if (part.text !== '') blocks.push({ type: 'text', text: part.text });
        break;
      case 'image_url':
        blocks.push(toImageBlock(part));
        break;
      case 'file':
        blocks.push(toDocumentBlock(part));
        break;
      case 'input_audio':
        throw untranslatable('input_audio parts (Anthropic has no audio input)');
    }
  }
  return blocks;
}
