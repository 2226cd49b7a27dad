// The emotion colours of the annotated photo (render.ts) as CSS, so the cards use the very same colours as the
// boxes on the photo. Written at start from EMOTION_COLOURS, never copied into the stylesheet.
import { EMOTION_COLOURS } from '../../pipeline/render.js';
import { EMOTIONS } from '../../pipeline/types.js';

export function emotionStylesheet(): string {
  return `${EMOTIONS.map((e) => `.emotion-${e} { --emotion-colour: ${EMOTION_COLOURS[e]}; }`).join('\n')}\n`;
}
