// Routes one incoming event to its answer. Taps (quick replies, postbacks) carry their action in the payload;
// typed text is read literally: a link, a face number or an emotion word when one was asked for, a few plain
// commands ("practice", "stop", "that's wrong", "how can I tell"), a greeting. Everything else gets a short,
// kind answer that says what Visage can do.
import { EMOTION_WORDS } from '../../pipeline/describe.js';
import { EMOTIONS, type Emotion } from '../../pipeline/types.js';
import type { Chat, ChatDeps } from './chat.js';
import type { IncomingEvent } from './events.js';
import { askLabel, saveFlag, startFlag } from './flag-flow.js';
import { decodeAction, type Action } from './payloads.js';
import { answerPhotos } from './photo-answer.js';
import { answerPractice, answerTyped, startPractice, stopPractice } from './practice-game.js';
import { cueLines, namedEmotions, quickReply, TEXTS, UNSUPPORTED_TEXTS } from './replies.js';

const LINK = /https?:\/\/\S+/i;
const STOP_WORDS = new Set(['stop', 'end', 'quit', 'exit', 'stop practice']);
const PRACTICE_WORDS = new Set(['practice', 'practise', 'play', 'game']);
const GREETINGS = new Set(['hi', 'hello', 'hey', 'help', 'start', 'get started', 'menu']);

const practiceReply = () => [quickReply('Practice', { type: 'practice' })];

/** Lower case, straight apostrophes, no punctuation at the ends. */
export function normaliseText(text: string): string {
  return text.toLowerCase().replace(/[\u2018\u2019]/g, "'").replace(/\s+/g, ' ').trim().replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '');
}

/** An emotion named by its word ("scared") or its class name ("fear"). */
export function emotionFromWord(word: string): Emotion | undefined {
  return EMOTIONS.find((e) => e === word || EMOTION_WORDS[e] === word);
}

function latestAnalysis(chat: Chat, deps: ChatDeps): string | undefined {
  return deps.memory.get(chat.userId).analyses.at(-1);
}

async function sayCues(chat: Chat, deps: ChatDeps, emotions: readonly Emotion[] | undefined): Promise<void> {
  const latest = latestAnalysis(chat, deps);
  const record = latest === undefined ? undefined : deps.services.analyses.get(latest)?.analysis;
  const chosen = emotions ?? (record === undefined ? [...EMOTIONS] : namedEmotions(record));
  await chat.say(cueLines(chosen), practiceReply());
}

export async function runAction(chat: Chat, deps: ChatDeps, action: Action): Promise<void> {
  switch (action.type) {
    case 'welcome':
      return void (await chat.say(TEXTS.welcome, practiceReply()));
    case 'how-to':
      return void (await chat.say(TEXTS.howTo));
    case 'cues':
      return sayCues(chat, deps, action.emotions);
    case 'wrong':
      return startFlag(chat, deps, action.analysisId);
    case 'wrong-face':
      return askLabel(chat, deps, action.analysisId, action.face);
    case 'wrong-label':
      return saveFlag(chat, deps, action.analysisId, action.face, action.label);
    case 'practice':
      return startPractice(chat, deps);
    case 'practice-answer':
      return answerPractice(chat, deps, action.roundId, action.sinceMs, action.answer);
    case 'practice-stop':
      return stopPractice(chat, deps, action.sinceMs);
  }
}

async function answerText(chat: Chat, deps: ChatDeps, raw: string): Promise<void> {
  const link = LINK.exec(raw)?.[0];
  if (link !== undefined) return answerPhotos(chat, deps, [link], true);
  const text = normaliseText(raw);
  const state = deps.memory.get(chat.userId);
  if (state.awaitingFaceFor !== undefined && /^\d{1,4}$/.test(text)) return askLabel(chat, deps, state.awaitingFaceFor, Number(text));
  if (STOP_WORDS.has(text)) return stopPractice(chat, deps, undefined);
  const emotion = emotionFromWord(text);
  if (emotion !== undefined && (await answerTyped(chat, deps, emotion))) return;
  if (PRACTICE_WORDS.has(text)) return startPractice(chat, deps);
  if (/\bwrong\b/.test(text)) return startFlag(chat, deps, latestAnalysis(chat, deps));
  if (/how can i tell|what to look for|\bcues?\b/.test(text)) return sayCues(chat, deps, undefined);
  if (GREETINGS.has(text)) return void (await chat.say(TEXTS.welcome, practiceReply()));
  await chat.say(TEXTS.textOnly, practiceReply());
}

export async function handleEvent(chat: Chat, deps: ChatDeps, event: IncomingEvent): Promise<void> {
  switch (event.kind) {
    case 'photos':
      return answerPhotos(chat, deps, event.urls, false);
    case 'link':
      return answerPhotos(chat, deps, [event.url], true);
    case 'text':
      return answerText(chat, deps, event.text);
    case 'quick-reply':
    case 'postback': {
      const action = decodeAction(event.payload);
      if (action === undefined) return void (await chat.say(TEXTS.howTo));
      return runAction(chat, deps, action);
    }
    case 'unsupported':
      return void (await chat.say(UNSUPPORTED_TEXTS[event.what]));
  }
}
