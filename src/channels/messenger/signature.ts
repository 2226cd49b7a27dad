// Messenger signs every webhook POST: X-Hub-Signature-256: sha256=<hex of HMAC-SHA256(app secret, raw body)>.
// The check runs on the raw bytes before anything is parsed, and compares in constant time.
import { createHmac, timingSafeEqual } from 'node:crypto';

const HEADER = /^sha256=([0-9a-f]{64})$/i;

export function signBody(secret: string, rawBody: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

export function hasValidSignature(secret: string, rawBody: Buffer, header: string | string[] | undefined): boolean {
  if (typeof header !== 'string') return false;
  const match = HEADER.exec(header.trim());
  if (match === null) return false;
  const given = Buffer.from(match[1] ?? '', 'hex');
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  // Both are 32 bytes here (the pattern fixes the length), which timingSafeEqual requires.
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** GET verification: the challenge to echo, or undefined when the request is not a valid subscription. */
export function verificationChallenge(
  query: Record<string, unknown>,
  verifyToken: string,
): string | undefined {
  const mode = query['hub.mode'];
  const token = query['hub.verify_token'];
  const challenge = query['hub.challenge'];
  if (mode !== 'subscribe' || typeof token !== 'string' || typeof challenge !== 'string') return undefined;
  const a = Buffer.from(token);
  const b = Buffer.from(verifyToken);
  return a.length === b.length && timingSafeEqual(a, b) ? challenge : undefined;
}
