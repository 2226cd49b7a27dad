// Gets the photo's bytes out of a request in any of the three accepted forms: multipart/form-data (field "image"),
// a raw body with an image/* (or application/octet-stream) content type, or JSON {"url": "..."} fetched safely.
// What the bytes are is decided later by sniffing them, never by the declared content type.
import type {} from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { VisageError } from '../../errors.js';
import type { VisageServices } from '../../services/visage-services.js';

export interface ReceivedImage {
  bytes: Buffer;
  /** What the JSON record's "source" says: the link, the uploaded file's name, or "upload". */
  source: string;
}

/** Content types whose body is the photo itself. */
export const RAW_IMAGE_TYPES = /^(image\/[\w.+-]+|application\/octet-stream)$/i;

function mediaType(request: FastifyRequest): string {
  return (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

async function readMultipart(request: FastifyRequest, services: VisageServices): Promise<ReceivedImage> {
  const part = await request.file({ limits: { fileSize: services.config.limits.bodyBytes, files: 1, fields: 10, parts: 11 } });
  if (part === undefined) throw new VisageError('VSG_REQUEST_INVALID', 'The multipart body has no file; send the photo in the field "image".');
  if (part.fieldname !== 'image') {
    part.file.resume();
    throw new VisageError('VSG_REQUEST_INVALID', `The photo must be in the multipart field "image"; received a file in "${part.fieldname}".`);
  }
  const bytes = await part.toBuffer();
  const name = part.filename.replace(/[^\w.\- ]/g, '').slice(0, 200);
  return { bytes, source: name === '' ? 'upload' : name };
}

async function readLink(body: unknown, services: VisageServices): Promise<ReceivedImage> {
  const url = typeof body === 'object' && body !== null && 'url' in body ? (body as { url: unknown }).url : undefined;
  if (typeof url !== 'string' || url.trim() === '') {
    throw new VisageError('VSG_REQUEST_INVALID', 'The JSON body must be an object with a string "url", e.g. {"url": "https://example.com/photo.jpg"}.');
  }
  const fetched = await services.fetchImage(url.trim());
  return { bytes: fetched.bytes, source: fetched.finalUrl };
}

export async function readImage(request: FastifyRequest, services: VisageServices): Promise<ReceivedImage> {
  const type = mediaType(request);
  if (request.isMultipart()) return readMultipart(request, services);
  if (type === 'application/json') return readLink(request.body, services);
  if (RAW_IMAGE_TYPES.test(type)) {
    const bytes = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    if (bytes.length === 0) throw new VisageError('VSG_IMAGE_EMPTY', 'The request body is empty; send the photo\'s bytes.');
    return { bytes, source: 'upload' };
  }
  throw new VisageError(
    'VSG_IMAGE_UNSUPPORTED',
    `Content type "${type === '' ? '(none)' : type}" is not accepted; send multipart/form-data (field "image"), an image/* body, or JSON {"url": "..."}.`,
  );
}
