// How the page names emotions: the words, emoji and cues written once in the pipeline (describe.ts), plus the
// page's own small pieces (cues as a list, a percentage).
import { EMOTION_CUES, EMOTION_EMOJI, EMOTION_WORDS } from '../../../pipeline/describe.js';
import type { Emotion } from '../../../pipeline/types.js';
import { el } from './elements.js';

export { EMOTION_WORDS };

/** The cue text, one sentence per list item. */
export function cueList(emotion: Emotion): HTMLUListElement {
  const sentences = EMOTION_CUES[emotion].split(/(?<=\.)\s+/).filter((s) => s.trim() !== '');
  return el('ul', { class: 'cues' }, sentences.map((s) => el('li', { text: s })));
}

/** The emoji (hidden from screen readers, which read the word next to it) and the word. */
export function emotionLabel(emotion: Emotion, prefix = ''): HTMLSpanElement {
  return el('span', { class: `emotion-label emotion-${emotion}` }, [
    el('span', { class: 'swatch', attrs: { 'aria-hidden': 'true' } }),
    el('span', { class: 'emoji', text: EMOTION_EMOJI[emotion], attrs: { 'aria-hidden': 'true' } }),
    el('span', { class: 'word', text: `${prefix}${EMOTION_WORDS[emotion]}` }),
  ]);
}

/** " (72%)" in a span the "hide percentages" setting hides. */
export function percentSpan(value: number, suffix = ''): HTMLSpanElement {
  return el('span', { class: 'percent', text: ` (${Math.round(value * 100)}%${suffix})` });
}
