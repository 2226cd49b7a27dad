// Every user-facing failure of Visage has a stable code, written once here with its HTTP status and CLI exit
// code. Bugs stay plain Errors (HTTP 500, exit 70). docs/errors.md documents each code; a test checks that.

export interface ErrorSpec {
  readonly status: number;
  readonly exitCode: number;
  readonly summary: string;
}

export const ERROR_CODES = {
  VSG_OPTION_INVALID: { status: 400, exitCode: 64, summary: 'An option or setting has a value that is not allowed.' },
  VSG_CONFIG_INVALID: { status: 500, exitCode: 78, summary: 'The configuration (file, environment or flags) is not valid.' },
  VSG_REQUEST_INVALID: { status: 400, exitCode: 64, summary: 'The request is malformed.' },
  VSG_INPUT_NOT_FOUND: { status: 404, exitCode: 66, summary: 'The input file or folder does not exist.' },
  VSG_IMAGE_EMPTY: { status: 400, exitCode: 65, summary: 'The image has no bytes.' },
  VSG_IMAGE_UNSUPPORTED: { status: 415, exitCode: 65, summary: 'The bytes are not an image format Visage reads (JPEG, PNG, WebP, GIF, AVIF, TIFF).' },
  VSG_IMAGE_UNDECODABLE: { status: 422, exitCode: 65, summary: 'The image is damaged or truncated and cannot be decoded.' },
  VSG_IMAGE_TOO_LARGE: { status: 413, exitCode: 65, summary: 'The image has more pixels or bytes than the configured limit.' },
  VSG_IMAGE_TOO_SMALL: { status: 422, exitCode: 65, summary: 'The image is too small to hold a face.' },
  VSG_URL_INVALID: { status: 400, exitCode: 64, summary: 'The link is not a valid http or https URL.' },
  VSG_URL_FORBIDDEN: { status: 400, exitCode: 64, summary: 'The link points at an address Visage may not fetch (local, private or special).' },
  VSG_FETCH_FAILED: { status: 502, exitCode: 69, summary: 'The photo behind the link could not be fetched.' },
  VSG_FETCH_TIMEOUT: { status: 502, exitCode: 69, summary: 'The photo behind the link took too long to arrive.' },
  VSG_FETCH_TOO_LARGE: { status: 413, exitCode: 65, summary: 'The photo behind the link is larger than the configured limit.' },
  VSG_MODEL_INVALID: { status: 500, exitCode: 78, summary: 'A model file or its sidecar JSON does not match what Visage expects.' },
  VSG_DATA_INVALID: { status: 400, exitCode: 65, summary: 'A data file (for example a FER2013 CSV) is not in the expected layout.' },
  VSG_BUSY: { status: 503, exitCode: 75, summary: 'Visage is busy; try again shortly.' },
  VSG_RATE_LIMITED: { status: 429, exitCode: 75, summary: 'Too many requests from this client; try again shortly.' },
  VSG_NOT_FOUND: { status: 404, exitCode: 66, summary: 'The requested item does not exist or has expired.' },
  VSG_UNAUTHORIZED: { status: 401, exitCode: 77, summary: 'A valid token is needed for this.' },
  VSG_FORBIDDEN: { status: 403, exitCode: 77, summary: 'The request is not allowed.' },
  VSG_STORAGE_FAILED: { status: 503, exitCode: 74, summary: 'The database could not be read or written (disk full, read-only, locked or corrupt).' },
  VSG_TIMEOUT: { status: 408, exitCode: 75, summary: 'The request took too long.' },
  VSG_GRAPH_FAILED: { status: 502, exitCode: 69, summary: 'The Messenger Graph API refused a request or kept failing after retries.' },
  VSG_INTERNAL: { status: 500, exitCode: 70, summary: 'Something failed inside Visage; the details are in the server log.' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** A failure caused by the input or the environment, never by a bug. */
export class VisageError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly exitCode: number;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VisageError';
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.exitCode = ERROR_CODES[code].exitCode;
  }

  toJSON(): { code: ErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

export function isVisageError(value: unknown): value is VisageError {
  return value instanceof VisageError;
}

/** Describes a received value for error messages: its type and a short rendering. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  const type = Array.isArray(value) ? 'array' : typeof value;
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  if (text.length > 60) text = `${text.slice(0, 57)}...`;
  return `${text} (${type})`;
}

/** VSG_OPTION_INVALID naming the option, what was expected and what was received. */
export function invalidOption(name: string, expected: string, actual: unknown): VisageError {
  return new VisageError('VSG_OPTION_INVALID', `Option "${name}" must be ${expected}; received ${describeValue(actual)}.`);
}
