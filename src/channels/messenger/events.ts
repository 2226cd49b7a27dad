// Turns a webhook delivery (already signature-checked and JSON-parsed) into the events Visage acts on. Anything
// Visage does not answer (echoes of its own messages, delivery and read receipts, reactions) is dropped here.
// Shape: {object:"page", entry:[{messaging:[{sender:{id}, recipient:{id}, timestamp, message | postback}]}]}.

/** Dedup keys that are only unique per sender start with this. */
export const SENDER_KEY_PREFIX = 'postback:';

export type UnsupportedKind = 'sticker' | 'audio' | 'video' | 'file' | 'location' | 'other';

interface Base {
  senderId: string;
  /** The message id (mid); Messenger may deliver the same one twice. */
  dedupKey: string;
}

export type IncomingEvent =
  | (Base & { kind: 'photos'; urls: string[] })
  | (Base & { kind: 'link'; url: string })
  | (Base & { kind: 'text'; text: string })
  | (Base & { kind: 'quick-reply'; payload: string })
  | (Base & { kind: 'postback'; payload: string })
  | (Base & { kind: 'unsupported'; what: UnsupportedKind });

export type ParsedDelivery = { ok: true; events: IncomingEvent[] } | { ok: false; reason: string };

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined => (typeof value === 'string' && value.length > 0 ? value : undefined);

const ATTACHMENT_KINDS: Readonly<Record<string, UnsupportedKind>> = {
  audio: 'audio',
  video: 'video',
  file: 'file',
  location: 'location',
};

function attachmentsOf(message: Json): Json[] {
  return Array.isArray(message.attachments) ? message.attachments.filter(isObject) : [];
}

function isSticker(message: Json, attachment: Json): boolean {
  const payload = isObject(attachment.payload) ? attachment.payload : {};
  return message.sticker_id !== undefined || payload.sticker_id !== undefined;
}

function messageEvent(base: Base, message: Json): IncomingEvent | undefined {
  if (message.is_echo === true) return undefined;
  const quickReply = isObject(message.quick_reply) ? text(message.quick_reply.payload) : undefined;
  if (quickReply !== undefined) return { ...base, kind: 'quick-reply', payload: quickReply };
  const attachments = attachmentsOf(message);
  const urlOf = (a: Json): string | undefined => (isObject(a.payload) ? text(a.payload.url) : undefined);
  const photos = attachments
    .filter((a) => a.type === 'image' && !isSticker(message, a))
    .map(urlOf)
    .filter((u): u is string => u !== undefined);
  if (photos.length > 0) return { ...base, kind: 'photos', urls: photos };
  const first = attachments[0];
  if (first !== undefined) {
    if (first.type === 'image') return { ...base, kind: 'unsupported', what: isSticker(message, first) ? 'sticker' : 'other' };
    // A shared link arrives as a "fallback" attachment with the link in payload.url.
    const link = first.type === 'fallback' ? urlOf(first) : undefined;
    if (link !== undefined) return { ...base, kind: 'link', url: link };
    return { ...base, kind: 'unsupported', what: ATTACHMENT_KINDS[String(first.type)] ?? 'other' };
  }
  const body = text(message.text);
  if (body !== undefined) return { ...base, kind: 'text', text: body };
  return { ...base, kind: 'unsupported', what: message.sticker_id !== undefined ? 'sticker' : 'other' };
}

function eventOf(item: Json): IncomingEvent | undefined {
  const senderId = isObject(item.sender) ? text(item.sender.id) : undefined;
  if (senderId === undefined) return undefined;
  if (isObject(item.message)) {
    const mid = text(item.message.mid);
    return mid === undefined ? undefined : messageEvent({ senderId, dedupKey: mid }, item.message);
  }
  if (isObject(item.postback)) {
    const payload = text(item.postback.payload);
    if (payload === undefined) return undefined;
    // Newer deliveries give postbacks a mid; older ones only a timestamp, which is stable across retries. Such a
    // key is per sender: the channel adds the hashed user id (a raw Messenger id is never stored).
    const dedupKey = text(item.postback.mid) ?? `${SENDER_KEY_PREFIX}${String(item.timestamp ?? '')}:${payload.slice(0, 200)}`;
    return { senderId, dedupKey, kind: 'postback', payload };
  }
  return undefined;
}

export function parseDelivery(body: unknown): ParsedDelivery {
  if (!isObject(body) || !Array.isArray(body.entry)) return { ok: false, reason: 'the body is not a webhook delivery' };
  if (body.object !== 'page') return { ok: false, reason: `the delivery is for "${String(body.object)}", not "page"` };
  const events: IncomingEvent[] = [];
  for (const entry of body.entry.filter(isObject)) {
    const items = Array.isArray(entry.messaging) ? entry.messaging.filter(isObject) : [];
    for (const item of items) {
      const event = eventOf(item);
      if (event !== undefined && event.dedupKey.length <= 512) events.push(event);
    }
  }
  return { ok: true, events };
}
