// Stage 5: say it in plain words. Short literal sentences, one idea each, with how sure Visage is in words and the
// runner-up named when the top two are close (design guidance for autistic users, docs in README).
import type { Box, Classification, ConfidenceLevel, Emotion, FaceResult } from './types.js';

/** The adjective used in sentences ("looks happy"). */
export const EMOTION_WORDS: Readonly<Record<Emotion, string>> = Object.freeze({
  angry: 'angry',
  disgust: 'disgusted',
  fear: 'scared',
  happy: 'happy',
  sad: 'sad',
  surprise: 'surprised',
  neutral: 'neutral',
});

export const EMOTION_EMOJI: Readonly<Record<Emotion, string>> = Object.freeze({
  angry: '😠',
  disgust: '🤢',
  fear: '😨',
  happy: '😀',
  sad: '😢',
  surprise: '😮',
  neutral: '😐',
});

/** What to look for in a face, in plain literal words: one cue per sentence. */
export const EMOTION_CUES: Readonly<Record<Emotion, string>> = Object.freeze({
  angry: 'The eyebrows are pulled down and together. The eyes stare hard. The lips are pressed tight, or the mouth is open and shows the teeth.',
  disgust: 'The nose is wrinkled. The upper lip is pulled up. The eyebrows are pulled down.',
  fear: 'The eyebrows are raised and pulled together. The eyes are wide open and show white above the iris. The lips are stretched back toward the ears.',
  happy: 'The corners of the mouth go up. The cheeks are raised. There are small wrinkles at the outer corners of the eyes.',
  sad: 'The inner ends of the eyebrows go up. The corners of the mouth go down. The eyelids droop, and the eyes may look down.',
  surprise: 'The eyebrows are raised high and curved. The eyes are wide open. The jaw drops and the mouth is open.',
  neutral: 'The face is relaxed. The eyebrows are in their usual place. The mouth is closed and straight.',
});

/** Calibrated probability thresholds for the confidence words, highest first. */
const CONFIDENCE_LEVELS: ReadonlyArray<{ min: number; level: ConfidenceLevel }> = [
  { min: 0.85, level: 'very sure' },
  { min: 0.65, level: 'fairly sure' },
  { min: 0.45, level: 'not very sure' },
  { min: 0, level: 'not sure' },
];

/** When the runner-up is within this many probability points of the winner, both are named. */
export const CLOSE_CALL_MARGIN = 0.15;

export function confidenceLevel(probability: number): ConfidenceLevel {
  return CONFIDENCE_LEVELS.find((c) => probability >= c.min)?.level ?? 'not sure';
}

/** The runner-up emotion when it is close to the top one. */
export function closeAlternative(c: Classification): Emotion | undefined {
  const ranked = (Object.entries(c.scores) as [Emotion, number][]).sort((a, b) => b[1] - a[1]);
  const second = ranked[1];
  return second !== undefined && c.confidence - second[1] < CLOSE_CALL_MARGIN ? second[0] : undefined;
}

/** Where a face is in the photo, in words; empty for a photo with one face. */
export function positionWords(box: Box, imageWidth: number, faceCount: number): string {
  if (faceCount <= 1) return '';
  const cx = (box.x + box.width / 2) / imageWidth;
  if (cx < 1 / 3) return 'on the left';
  if (cx > 2 / 3) return 'on the right';
  return 'in the middle';
}

/** One plain sentence (or two) for a face. */
export function describeFace(number: number, position: string, c: Classification, alternative: Emotion | undefined): string {
  const who = position === '' ? `Person ${number}` : `Person ${number}, ${position},`;
  if (alternative !== undefined) {
    const subject = position === '' ? `Person ${number}` : `Person ${number}, ${position}`;
    return `${subject}. I'm not sure: ${EMOTION_WORDS[c.emotion]} or ${EMOTION_WORDS[alternative]}.`;
  }
  const level = confidenceLevel(c.confidence);
  const sureness = level === 'not sure' ? "I'm not sure." : `I'm ${level}.`;
  return `${who} looks ${EMOTION_WORDS[c.emotion]}. ${sureness}`;
}

/**
 * Numbers the faces left to right (ties top to bottom) and describes each. Boxes must be in the same pixels as
 * imageWidth.
 */
export function describeFaces(
  faces: ReadonlyArray<{ box: Box; detectionScore: number; classification: Classification }>,
  imageWidth: number,
): FaceResult[] {
  const ordered = [...faces].sort((a, b) => a.box.x + a.box.width / 2 - (b.box.x + b.box.width / 2) || a.box.y - b.box.y);
  return ordered.map((face, i) => {
    const number = i + 1;
    const position = positionWords(face.box, imageWidth, ordered.length);
    const alternative = closeAlternative(face.classification);
    const result: FaceResult = {
      ...face.classification,
      number,
      box: face.box,
      detectionScore: face.detectionScore,
      position,
      confidenceLevel: confidenceLevel(face.classification.confidence),
      description: describeFace(number, position, face.classification, alternative),
    };
    if (alternative !== undefined) result.alternative = alternative;
    return result;
  });
}
