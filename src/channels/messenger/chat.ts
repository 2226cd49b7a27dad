// One conversation turn's view of the chat: say lines (split to fit, quick replies on the last message), send an
// image, show sender actions. When the Graph API gives up on a message, the rest of this turn is skipped: the
// client has logged it, and sending later parts of an answer without the earlier ones would only confuse.
import { isVisageError } from '../../errors.js';
import type { GraphClient, ImageUpload, QuickReply, SenderAction } from '../../messenger/graph-client.js';
import type { VisageServices } from '../../services/visage-services.js';
import type { ChatMemory } from './chat-memory.js';
import type { PracticeDeck } from './practice-deck.js';
import { splitText } from './replies.js';

export interface ChatLog {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface Chat {
  /** The page-scoped id Messenger gave the user; used only to address replies, never stored. */
  readonly senderId: string;
  /** The hashed id the store knows the user by. */
  readonly userId: string;
  say(lines: readonly string[], quickReplies?: QuickReply[]): Promise<boolean>;
  sendImage(image: ImageUpload, quickReplies?: QuickReply[]): Promise<boolean>;
  /** Best effort: one attempt, a failure is only logged. */
  action(action: SenderAction): Promise<void>;
}

/** What the conversation handlers share. */
export interface ChatDeps {
  services: VisageServices;
  memory: ChatMemory;
  /** Undefined when the operator has not set a practice source. */
  deck: PracticeDeck | undefined;
  log: ChatLog;
}

export function createChat(graph: GraphClient, senderId: string, userId: string, log: ChatLog): Chat {
  let broken = false;
  const guarded = async (send: () => Promise<unknown>): Promise<boolean> => {
    if (broken) return false;
    try {
      await send();
      return true;
    } catch (error) {
      if (!isVisageError(error) || error.code !== 'VSG_GRAPH_FAILED') throw error;
      broken = true;
      log.warn({ code: error.code }, 'the rest of this answer is skipped because Messenger did not take a message');
      return false;
    }
  };
  return {
    senderId,
    userId,
    async say(lines, quickReplies) {
      const chunks = splitText(lines);
      for (const [i, text] of chunks.entries()) {
        const last = i === chunks.length - 1;
        const withReplies = last && quickReplies !== undefined && quickReplies.length > 0;
        const ok = await guarded(() => graph.sendMessage(senderId, { text, ...(withReplies ? { quick_replies: quickReplies } : {}) }));
        if (!ok) return false;
      }
      return true;
    },
    sendImage: (image, quickReplies) => guarded(() => graph.sendImage(senderId, image, quickReplies)),
    async action(action) {
      if (broken) return;
      try {
        await graph.senderAction(senderId, action, { maxAttempts: 1 });
      } catch (error) {
        if (!isVisageError(error)) throw error;
      }
    },
  };
}
