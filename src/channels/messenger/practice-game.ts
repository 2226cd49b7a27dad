// The practice game in the chat: a face, the seven emotions as quick replies (and Stop), calm feedback with the
// right answer and what to look for, a running score, then the next face. Rounds live in the store, so a game
// survives a restart; the deck brings up the emotions the player confuses more often.
import { isVisageError } from '../../errors.js';
import type { Emotion } from '../../pipeline/types.js';
import type { Chat, ChatDeps } from './chat.js';
import type { PracticeFace } from './practice-deck.js';
import { emotionQuickReplies, practiceEndLines, practiceFeedbackLines, quickReply, TEXTS } from './replies.js';

const endGame = (deps: ChatDeps, userId: string): void => {
  deps.memory.update(userId, ({ practiceSinceMs: _gone, ...rest }) => rest);
};

/** The next face for this player; undefined (and the player told) when there is none. */
async function pickFace(chat: Chat, deps: ChatDeps, lastItemId: string | undefined): Promise<PracticeFace | undefined> {
  const { practice } = deps.services.store;
  let face: PracticeFace | undefined;
  try {
    face = await deps.deck?.pick({
      summary: practice.summary(chat.userId),
      confusions: practice.confusions(chat.userId),
      ...(lastItemId === undefined ? {} : { lastItemId }),
    });
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    deps.log.warn({ code: isVisageError(error) ? error.code : undefined, detail }, 'practice faces could not be loaded');
  }
  if (face === undefined) {
    endGame(deps, chat.userId);
    await chat.say(TEXTS.practiceOff);
  }
  return face;
}

/** Says the lines, then shows a new face with the emotions to choose from. */
async function showFace(chat: Chat, deps: ChatDeps, sinceMs: number, lead: readonly string[], lastItemId?: string): Promise<void> {
  const face = await pickFace(chat, deps, lastItemId);
  if (face === undefined) return;
  if (lead.length > 0 && !(await chat.say(lead))) return;
  const round = deps.services.store.practice.start({ userId: chat.userId, channel: 'messenger', itemId: face.itemId, expected: face.expected });
  const replies = [
    ...emotionQuickReplies((answer) => ({ type: 'practice-answer', roundId: round.id, sinceMs, answer })),
    quickReply('Stop', { type: 'practice-stop', sinceMs }),
  ];
  const extension = face.image.contentType === 'image/png' ? 'png' : 'jpg';
  await chat.sendImage({ data: face.image.data, contentType: face.image.contentType, filename: `practice-face.${extension}` }, replies);
}

export async function startPractice(chat: Chat, deps: ChatDeps): Promise<void> {
  const sinceMs = deps.services.clock.now();
  deps.memory.update(chat.userId, (s) => ({ ...s, practiceSinceMs: sinceMs }));
  await showFace(chat, deps, sinceMs, TEXTS.practiceIntro);
}

export async function answerPractice(chat: Chat, deps: ChatDeps, roundId: number, sinceMs: number, answer: Emotion): Promise<void> {
  const practice = deps.services.store.practice;
  if (practice.openRound(chat.userId)?.id !== roundId) {
    await chat.say(['You already answered that face.', 'Tap Practice to get a new face.'], [quickReply('Practice', { type: 'practice' })]);
    return;
  }
  const { round, correct } = practice.answer(chat.userId, roundId, answer);
  const score = practice.summary(chat.userId, { sinceMs });
  deps.memory.update(chat.userId, (s) => ({ ...s, practiceSinceMs: sinceMs }));
  await showFace(chat, deps, sinceMs, practiceFeedbackLines(round.expected, answer, correct, score), round.itemId);
}

export async function stopPractice(chat: Chat, deps: ChatDeps, sinceMs: number | undefined): Promise<void> {
  const since = sinceMs ?? deps.memory.get(chat.userId).practiceSinceMs;
  if (since === undefined) {
    await chat.say(TEXTS.noPractice, [quickReply('Practice', { type: 'practice' })]);
    return;
  }
  endGame(deps, chat.userId);
  const { asked, correct } = deps.services.store.practice.summary(chat.userId, { sinceMs: since });
  await chat.say(practiceEndLines({ asked, correct }), [quickReply('Practice', { type: 'practice' })]);
}

/** A typed emotion word while a game runs answers the open face. */
export async function answerTyped(chat: Chat, deps: ChatDeps, answer: Emotion): Promise<boolean> {
  const sinceMs = deps.memory.get(chat.userId).practiceSinceMs;
  const open = deps.services.store.practice.openRound(chat.userId);
  if (sinceMs === undefined || open === undefined) return false;
  await answerPractice(chat, deps, open.id, sinceMs, answer);
  return true;
}
