// "That's wrong": which face (asked only when there are several), then which emotion, then the flag is stored with
// the face crop, the model's scores and the user's label, and the user is thanked.
import { isVisageError } from '../../errors.js';
import { EMOTION_WORDS } from '../../pipeline/describe.js';
import type { Emotion } from '../../pipeline/types.js';
import type { Chat, ChatDeps } from './chat.js';
import { emotionQuickReplies, flagSavedLines, MESSENGER_LIMITS, quickReply, TEXTS } from './replies.js';

/** The analysis, when it is the user's own and still held. */
function ownAnalysis(chat: Chat, deps: ChatDeps, analysisId: string) {
  if (!deps.memory.owns(chat.userId, analysisId)) return undefined;
  return deps.services.analyses.get(analysisId);
}

export async function startFlag(chat: Chat, deps: ChatDeps, analysisId: string | undefined): Promise<void> {
  const entry = analysisId === undefined ? undefined : ownAnalysis(chat, deps, analysisId);
  if (analysisId === undefined || entry === undefined) {
    await chat.say(analysisId === undefined ? ['Please send a photo first.', "Then tap That's wrong if I made a mistake."] : TEXTS.photoExpired);
    return;
  }
  const count = entry.analysis.faces.length;
  if (count === 1) {
    await askLabel(chat, deps, analysisId, 1);
    return;
  }
  if (count <= MESSENGER_LIMITS.quickReplies) {
    const replies = Array.from({ length: count }, (_, i) => quickReply(`Person ${i + 1}`, { type: 'wrong-face', analysisId, face: i + 1 }));
    await chat.say(['Which face is wrong?', 'Tap its number. The numbers are on the photo.'], replies);
    return;
  }
  deps.memory.update(chat.userId, (s) => ({ ...s, awaitingFaceFor: analysisId }));
  await chat.say(['Which face is wrong?', `Type its number, from 1 to ${count}. The numbers are on the photo.`]);
}

export async function askLabel(chat: Chat, deps: ChatDeps, analysisId: string, face: number): Promise<void> {
  const found = ownAnalysis(chat, deps, analysisId)?.analysis.faces[face - 1];
  if (found === undefined) {
    await chat.say(TEXTS.photoExpired);
    return;
  }
  deps.memory.update(chat.userId, ({ awaitingFaceFor: _done, ...rest }) => rest);
  await chat.say(
    [`I said Person ${face} looks ${EMOTION_WORDS[found.emotion]}.`, `Which emotion does Person ${face} show?`],
    emotionQuickReplies((label) => ({ type: 'wrong-label', analysisId, face, label })),
  );
}

export async function saveFlag(chat: Chat, deps: ChatDeps, analysisId: string, face: number, label: Emotion): Promise<void> {
  const held = deps.memory.owns(chat.userId, analysisId) ? deps.services.analyses.getFace(analysisId, face) : undefined;
  if (held === undefined) {
    await chat.say(TEXTS.photoExpired);
    return;
  }
  if (held.face.emotion === label) {
    await chat.say(TEXTS.flagSame);
    return;
  }
  try {
    deps.services.store.flags.add({
      userId: chat.userId,
      channel: 'messenger',
      analysisId,
      faceNumber: face,
      predicted: held.face.emotion,
      scores: held.face.scores,
      label,
      cropPng: held.crop,
    });
  } catch (error) {
    if (!isVisageError(error)) throw error;
    deps.log.error({ code: error.code, detail: error.message }, 'a Messenger flag could not be stored');
    await chat.say(['I could not save that right now.', 'Please try again later.']);
    return;
  }
  await chat.say(flagSavedLines(face, label));
}
