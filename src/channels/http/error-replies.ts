// Every failure leaves the server as {"error":{"code","message"}} with the status of its code: Visage's own errors,
// fastify's (body too large, bad JSON, unsupported content type, schema validation) and the connection-level ones
// Node answers before a route runs (a request that takes too long to arrive). Bugs become VSG_INTERNAL 500s whose
// details go to the log only.
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_CODES, isVisageError, type ErrorCode } from '../../errors.js';

export interface ErrorReply {
  status: number;
  code: ErrorCode;
  message: string;
}

const BY_FASTIFY_CODE: Readonly<Record<string, { code: ErrorCode; message: string }>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'VSG_IMAGE_TOO_LARGE', message: 'The request body is larger than the configured limit.' },
  FST_REQ_FILE_TOO_LARGE: { code: 'VSG_IMAGE_TOO_LARGE', message: 'The uploaded file is larger than the configured limit.' },
  FST_FILES_LIMIT: { code: 'VSG_REQUEST_INVALID', message: 'Send one file, in the multipart field "image".' },
  FST_PARTS_LIMIT: { code: 'VSG_REQUEST_INVALID', message: 'The multipart body has too many parts; send one field "image".' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: 'VSG_IMAGE_UNSUPPORTED',
    message: 'Send the photo as multipart/form-data (field "image"), as a raw body with an image/* content type, or as JSON {"url": "..."}.',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'VSG_REQUEST_INVALID', message: 'The JSON body is not valid JSON.' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'VSG_REQUEST_INVALID', message: 'The JSON body is empty.' },
  FST_INVALID_MULTIPART_CONTENT_TYPE: { code: 'VSG_REQUEST_INVALID', message: 'The request is not multipart/form-data.' },
};

const BY_STATUS: Readonly<Record<number, ErrorCode>> = {
  404: 'VSG_NOT_FOUND',
  408: 'VSG_TIMEOUT',
  413: 'VSG_IMAGE_TOO_LARGE',
  415: 'VSG_IMAGE_UNSUPPORTED',
  429: 'VSG_RATE_LIMITED',
};

function reply(code: ErrorCode, message: string): ErrorReply {
  return { status: ERROR_CODES[code].status, code, message };
}

/** Maps any thrown value to the reply the client sees. */
export function toErrorReply(error: unknown): ErrorReply {
  if (isVisageError(error)) return reply(error.code, error.message);
  const fastifyError = error as Partial<FastifyError> | undefined;
  const known = fastifyError?.code === undefined ? undefined : BY_FASTIFY_CODE[fastifyError.code];
  if (known) return reply(known.code, known.message);
  if (fastifyError?.validation !== undefined) return reply('VSG_REQUEST_INVALID', `The request is malformed: ${fastifyError.message ?? ''}`);
  const status = fastifyError?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code = BY_STATUS[status] ?? 'VSG_REQUEST_INVALID';
    return reply(code, fastifyError?.message ?? ERROR_CODES[code].summary);
  }
  return reply('VSG_INTERNAL', 'Something went wrong inside Visage. The problem has been logged.');
}

/** Seconds a client should wait before retrying, for the codes that mean "not now". */
function retryAfterS(code: ErrorCode): number | undefined {
  return code === 'VSG_BUSY' || code === 'VSG_RATE_LIMITED' || code === 'VSG_STORAGE_FAILED' ? 1 : undefined;
}

export function sendError(request: FastifyRequest, res: FastifyReply, error: unknown): FastifyReply {
  const out = toErrorReply(error);
  if (out.status >= 500 && out.code === 'VSG_INTERNAL') request.log.error({ err: error }, 'request failed');
  else request.log.info({ code: out.code, status: out.status }, 'request refused');
  const wait = retryAfterS(out.code);
  if (wait !== undefined && !res.hasHeader('retry-after')) void res.header('retry-after', String(wait));
  return res.code(out.status).type('application/json; charset=utf-8').send({ error: { code: out.code, message: out.message } });
}

/** Installs the error and not-found handlers on the root instance; every channel inherits them. */
export function installErrorReplies(app: FastifyInstance): void {
  app.setErrorHandler((error, request, res) => sendError(request, res, error));
  app.setNotFoundHandler((request, res) =>
    sendError(request, res, { statusCode: 404, message: `There is no ${request.method} ${request.url.split('?')[0] ?? ''}.` }),
  );
}

/** Node's own answers (request too slow to arrive, malformed HTTP) in the same JSON shape. */
export function clientErrorHandler(this: FastifyInstance, error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const timeout = error.code === 'ERR_HTTP_REQUEST_TIMEOUT';
  const out = timeout
    ? reply('VSG_TIMEOUT', 'The request took too long to arrive.')
    : error.code === 'HPE_HEADER_OVERFLOW'
      ? { status: 431, code: 'VSG_REQUEST_INVALID' as const, message: 'The request headers are too large.' }
      : reply('VSG_REQUEST_INVALID', 'The request is not valid HTTP.');
  this.log.info({ code: out.code }, 'client error');
  const body = JSON.stringify({ error: { code: out.code, message: out.message } });
  const reason = out.status === 408 ? 'Request Timeout' : out.status === 431 ? 'Request Header Fields Too Large' : 'Bad Request';
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${out.status} ${reason}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
