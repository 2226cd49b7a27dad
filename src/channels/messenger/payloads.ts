// Quick reply payloads carry what the next step needs (the analysis, the face, the practice round), so a reply
// tapped minutes later, or after a restart, still finds its context. Anything that does not decode is ignored.
import { EMOTIONS, type Emotion } from '../../pipeline/types.js';
import { POSTBACKS } from '../../messenger/profile.js';

export type Action =
  | { type: 'wrong'; analysisId: string }
  | { type: 'wrong-face'; analysisId: string; face: number }
  | { type: 'wrong-label'; analysisId: string; face: number; label: Emotion }
  | { type: 'cues'; emotions: Emotion[] }
  | { type: 'practice' }
  | { type: 'practice-answer'; roundId: number; sinceMs: number; answer: Emotion }
  | { type: 'practice-stop'; sinceMs: number }
  | { type: 'how-to' }
  | { type: 'welcome' };

const SEP = ':';
const ANALYSIS_ID = /^[0-9a-f-]{36}$/;

const isEmotion = (value: string | undefined): value is Emotion => EMOTIONS.includes(value as Emotion);
const wholeNumber = (value: string | undefined): number | undefined =>
  value !== undefined && /^\d{1,15}$/.test(value) ? Number(value) : undefined;

export function encodeAction(action: Action): string {
  switch (action.type) {
    case 'wrong':
      return ['WRONG', action.analysisId].join(SEP);
    case 'wrong-face':
      return ['WRONG_FACE', action.analysisId, action.face].join(SEP);
    case 'wrong-label':
      return ['WRONG_LABEL', action.analysisId, action.face, action.label].join(SEP);
    case 'cues':
      return ['CUES', action.emotions.join(',')].join(SEP);
    case 'practice':
      return POSTBACKS.practice;
    case 'practice-answer':
      return ['PRACTICE_ANSWER', action.roundId, action.sinceMs, action.answer].join(SEP);
    case 'practice-stop':
      return ['PRACTICE_STOP', action.sinceMs].join(SEP);
    case 'how-to':
      return POSTBACKS.howTo;
    case 'welcome':
      return POSTBACKS.getStarted;
  }
}

export function decodeAction(payload: string): Action | undefined {
  const [tag, a, b, c] = payload.split(SEP);
  const analysisId = a !== undefined && ANALYSIS_ID.test(a) ? a : undefined;
  switch (tag) {
    case POSTBACKS.getStarted:
      return { type: 'welcome' };
    case POSTBACKS.howTo:
      return { type: 'how-to' };
    case POSTBACKS.practice:
      return { type: 'practice' };
    case POSTBACKS.cues:
      return { type: 'cues', emotions: [...EMOTIONS] };
    case 'WRONG':
      return analysisId === undefined ? undefined : { type: 'wrong', analysisId };
    case 'WRONG_FACE': {
      const face = wholeNumber(b);
      return analysisId === undefined || face === undefined ? undefined : { type: 'wrong-face', analysisId, face };
    }
    case 'WRONG_LABEL': {
      const face = wholeNumber(b);
      return analysisId === undefined || face === undefined || !isEmotion(c) ? undefined : { type: 'wrong-label', analysisId, face, label: c };
    }
    case 'CUES': {
      const emotions = (a ?? '').split(',').filter(isEmotion);
      return emotions.length === 0 ? undefined : { type: 'cues', emotions };
    }
    case 'PRACTICE_ANSWER': {
      const roundId = wholeNumber(a);
      const sinceMs = wholeNumber(b);
      return roundId === undefined || sinceMs === undefined || !isEmotion(c) ? undefined : { type: 'practice-answer', roundId, sinceMs, answer: c };
    }
    case 'PRACTICE_STOP': {
      const sinceMs = wholeNumber(a);
      return sinceMs === undefined ? undefined : { type: 'practice-stop', sinceMs };
    }
    default:
      return undefined;
  }
}
