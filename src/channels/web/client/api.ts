// The calls the page makes to Visage's public API, and the plain sentences it shows when one fails.
import type { AnalysisJson } from '../../../pipeline/analyse.js';
import type { Emotion } from '../../../pipeline/types.js';
import type { PracticeProgress } from '../../../practice/score.js';

export interface AnalyzeReply extends AnalysisJson {
  analysisId: string;
  annotated?: { url: string; contentType: string };
}

export interface PracticeRoundReply {
  roundId: number;
  image: string;
  choices: Emotion[];
}

export interface PracticeAnswerReply {
  roundId: number;
  correct: boolean;
  expected: Emotion;
  answer: Emotion;
  progress: PracticeProgress;
}

/** A failed call, with a sentence for the page. */
export class PageError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

const PLAIN_MESSAGES: Readonly<Record<string, string>> = {
  VSG_IMAGE_EMPTY: 'The file is empty. Choose another photo.',
  VSG_IMAGE_UNSUPPORTED: 'Visage cannot read this kind of file. Choose a photo (JPEG, PNG, WebP or GIF).',
  VSG_IMAGE_UNDECODABLE: 'The photo is damaged and cannot be opened. Choose another photo.',
  VSG_IMAGE_TOO_LARGE: 'The photo is too big. Choose a smaller photo.',
  VSG_IMAGE_TOO_SMALL: 'The photo is too small to show a face. Choose a bigger photo.',
  VSG_URL_INVALID: 'This is not a link to a web page. A link starts with https://',
  VSG_URL_FORBIDDEN: 'Visage is not allowed to open this link. Download the photo and choose it instead.',
  VSG_FETCH_FAILED: 'Visage could not get the photo from this link. Download the photo and choose it instead.',
  VSG_FETCH_TIMEOUT: 'The photo at this link took too long to arrive. Try again, or download the photo and choose it.',
  VSG_FETCH_TOO_LARGE: 'The photo at this link is too big. Choose a smaller photo.',
  VSG_BUSY: 'Visage is busy with other photos. Wait a moment, then try again.',
  VSG_RATE_LIMITED: 'Visage got many requests from you in a short time. Wait a moment, then try again.',
  VSG_TIMEOUT: 'This took too long. Try again.',
  NETWORK: 'Visage cannot be reached. Check your internet connection, then try again.',
};

async function call<T>(path: string, init: RequestInit = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, { credentials: 'same-origin', ...init });
  } catch {
    throw new PageError('NETWORK', PLAIN_MESSAGES.NETWORK ?? '');
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (response.ok) return body as T;
  const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
  const code = error?.code ?? `HTTP_${response.status}`;
  throw new PageError(code, PLAIN_MESSAGES[code] ?? error?.message ?? 'Something went wrong. Try again.');
}

const json = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

export function analyzeFile(file: Blob, name: string): Promise<AnalyzeReply> {
  const form = new FormData();
  form.append('image', file, name);
  return call('/v1/analyze?annotate=true', { method: 'POST', body: form });
}

export function analyzeLink(url: string): Promise<AnalyzeReply> {
  return call('/v1/analyze?annotate=true', json({ url }));
}

export function flagFace(analysisId: string, face: number, emotion: Emotion): Promise<{ id: number; status: string }> {
  return call('/v1/flags', json({ analysisId, face, emotion }));
}

export function nextPracticeRound(): Promise<PracticeRoundReply> {
  return call('/v1/practice/next');
}

export function answerPracticeRound(roundId: number, answer: Emotion): Promise<PracticeAnswerReply> {
  return call('/v1/practice/answer', json({ roundId, answer }));
}

export function practiceProgress(): Promise<PracticeProgress> {
  return call('/v1/practice/progress');
}

export function forgetMe(): Promise<{ deleted: { users: number; flags: number; practiceRounds: number } }> {
  return call('/v1/me', { method: 'DELETE' });
}
