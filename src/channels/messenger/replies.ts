// Everything Visage says on Messenger, as pure functions: plain, literal, short sentences, one idea per line,
// within Facebook's limits (text <= 2,000 characters, <= 13 quick replies, titles <= 20 characters).
import type { AnalysisJson } from '../../index.js';
import { isVisageError } from '../../errors.js';
import { closeAlternative, EMOTION_CUES, EMOTION_EMOJI, EMOTION_WORDS } from '../../pipeline/describe.js';
import { EMOTIONS, type Emotion } from '../../pipeline/types.js';
import type { QuickReply } from '../../messenger/graph-client.js';
import { encodeAction, type Action } from './payloads.js';
import type { UnsupportedKind } from './events.js';

export const MESSENGER_LIMITS = { text: 2000, quickReplies: 13, title: 20 } as const;

export function quickReply(title: string, action: Action): QuickReply {
  if (title.length > MESSENGER_LIMITS.title) throw new Error(`Quick reply title "${title}" is longer than ${MESSENGER_LIMITS.title} characters.`);
  return { content_type: 'text', title, payload: encodeAction(action) };
}

/** Packs lines into as few messages as fit the limit, never cutting a line unless it alone is too long. */
export function splitText(lines: readonly string[], max: number = MESSENGER_LIMITS.text): string[] {
  const pieces = lines.flatMap((line) => (line.length <= max ? [line] : (line.match(new RegExp(`[^]{1,${max}}`, 'g')) ?? [])));
  const chunks: string[] = [];
  let current = '';
  for (const piece of pieces) {
    const joined = current === '' ? piece : `${current}\n${piece}`;
    if (joined.length <= max) {
      current = joined;
    } else {
      chunks.push(current);
      current = piece;
    }
  }
  if (current !== '') chunks.push(current);
  return chunks;
}

export const emotionTitle = (emotion: Emotion): string => `${EMOTION_EMOJI[emotion]} ${EMOTION_WORDS[emotion]}`;

const capitalised = (word: string): string => word.charAt(0).toUpperCase() + word.slice(1);

/** The answer to one photo: how many faces, then one line per face (number, position, emotion, how sure). */
export function photoAnswerLines(record: AnalysisJson, photo: { index: number; count: number }): string[] {
  const lead = photo.count > 1 ? [`Photo ${photo.index} of ${photo.count}.`] : [];
  const n = record.faces.length;
  const found = n === 1 ? 'I found 1 face.' : `I found ${n} faces.`;
  const faces = record.faces.map((face) => `${EMOTION_EMOJI[face.emotion]} ${face.description}`);
  const note = n > 1 ? ['The numbers are on the photo.'] : [];
  return [...lead, found, ...note, ...faces];
}

/** The emotions named in an analysis (with the runner-up where Visage said it was not sure), once each, in face order. */
export function namedEmotions(record: AnalysisJson): Emotion[] {
  return [...new Set(record.faces.flatMap((f) => {
    const alternative = closeAlternative(f);
    return alternative === undefined ? [f.emotion] : [f.emotion, alternative];
  }))];
}

export function photoQuickReplies(analysisId: string, record: AnalysisJson): QuickReply[] {
  return [
    quickReply("That's wrong", { type: 'wrong', analysisId }),
    quickReply('How can I tell?', { type: 'cues', emotions: namedEmotions(record) }),
    quickReply('Practice', { type: 'practice' }),
  ];
}

export function emotionQuickReplies(actionFor: (emotion: Emotion) => Action): QuickReply[] {
  return EMOTIONS.map((emotion) => quickReply(emotionTitle(emotion), actionFor(emotion)));
}

export function cueLines(emotions: readonly Emotion[]): string[] {
  return ['What to look for:', ...emotions.map((e) => `${EMOTION_EMOJI[e]} ${capitalised(EMOTION_WORDS[e])}: ${EMOTION_CUES[e]}`)];
}

export const TEXTS = {
  welcome: [
    'Hello. I am Visage.',
    'Send me a photo with people in it. You can upload one or take one with the camera.',
    'I will tell you what each face seems to feel, and send the photo back with numbers on the faces.',
    'Tap Practice to practise reading faces.',
  ],
  howTo: [
    'Send me a photo with one or more faces.',
    'Tap the photo button or the camera button below the chat, then send.',
    'I answer with a line for each face and the photo with numbers on the faces.',
  ],
  textOnly: ['I read photos, not words.', 'Please send a photo with one or more faces.', 'You can also tap Practice.'],
  noFace: ['I could not find a face in this photo.', 'Please send a photo where the faces are clear and not too small.'],
  photoExpired: ['I no longer have that photo.', "Please send it again, then tap That's wrong."],
  flagSame: ['That is what I said too, so I saved nothing.', 'Thank you for checking.'],
  practiceOff: ['Practice is not set up on this Visage yet.', 'You can still send me photos.'],
  practiceIntro: ['Practice: I show a face. You tap the emotion you see.', 'Type stop to end.'],
  noPractice: ['There is no practice running.', 'Tap Practice to start.'],
  imageFailed: ['I could not send the photo with the numbers.', 'The lines above still say what each face shows.'],
} as const;

export const UNSUPPORTED_TEXTS: Readonly<Record<UnsupportedKind, readonly string[]>> = {
  sticker: ['Thank you for the sticker.', 'I can only read photos of real faces.', 'Please send a photo.'],
  audio: ['I cannot listen to audio.', 'Please send a photo with faces.'],
  video: ['I cannot read videos.', 'Please send a photo instead.'],
  file: ['I cannot open files.', 'Please send the photo itself, with the photo button.'],
  location: ['I cannot use a location.', 'Please send a photo with faces.'],
  other: ['I cannot read this kind of message.', 'Please send a photo with faces.'],
};

/** A plain sentence for a failure while getting or reading a photo (never a code or a stack). */
export function photoErrorLines(error: unknown, fromLink: boolean): string[] {
  const code = isVisageError(error) ? error.code : undefined;
  switch (code) {
    case 'VSG_URL_INVALID':
    case 'VSG_URL_FORBIDDEN':
    case 'VSG_FETCH_FAILED':
    case 'VSG_FETCH_TIMEOUT':
      return fromLink
        ? ['I could not open the photo behind that link.', 'Please send the photo itself.']
        : ['I could not download this photo.', 'Please send it again.'];
    case 'VSG_FETCH_TOO_LARGE':
    case 'VSG_IMAGE_TOO_LARGE':
      return ['This photo is too large for me.', 'Please send a smaller photo.'];
    case 'VSG_IMAGE_EMPTY':
    case 'VSG_IMAGE_UNSUPPORTED':
    case 'VSG_IMAGE_UNDECODABLE':
      return fromLink
        ? ['The link does not lead to a photo I can read.', 'Please send the photo itself.']
        : ['I could not read this as a photo.', 'Please send a JPEG or PNG photo.'];
    case 'VSG_IMAGE_TOO_SMALL':
      return ['This photo is too small to show a face.', 'Please send a bigger photo.'];
    case 'VSG_BUSY':
      return ['I am checking many photos right now.', 'Please send yours again in a minute.'];
    default:
      return ['Something went wrong on my side.', 'Please try again later.'];
  }
}

export function flagSavedLines(face: number, label: Emotion): string[] {
  return [`Thank you. I saved it: Person ${face} looks ${EMOTION_WORDS[label]}.`, 'This helps Visage learn.'];
}

export function scoreLine(correct: number, asked: number): string {
  return `Score: ${correct} of ${asked}.`;
}

export function practiceFeedbackLines(expected: Emotion, answer: Emotion, correct: boolean, score: { correct: number; asked: number }): string[] {
  const lines = correct
    ? [`Right. This face looks ${EMOTION_WORDS[expected]}.`]
    : [
        `Not this time. This face looks ${EMOTION_WORDS[expected]}. You chose ${EMOTION_WORDS[answer]}.`,
        `What to look for: ${EMOTION_CUES[expected]}`,
      ];
  return [...lines, scoreLine(score.correct, score.asked)];
}

export function practiceEndLines(score: { correct: number; asked: number }): string[] {
  const result = score.asked === 0 ? 'You did not answer any faces this time.' : `Your score: ${score.correct} of ${score.asked}.`;
  return ['Practice has ended.', result, 'Tap Practice to play again, or send a photo.'];
}
