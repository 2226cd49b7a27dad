// The answer for a photo: one card per face, numbered like the boxes on the annotated photo, and a clickable mark
// over each face on the photo. Selecting a face (on the photo or on its card) highlights both. Each card has
// "What to look for" and a "That's wrong" form that stores a flag with the right emotion.
import { closeAlternative, confidenceLevel, positionWords } from '../../../pipeline/describe.js';
import { EMOTIONS, type Emotion } from '../../../pipeline/types.js';
import { flagFace, PageError, type AnalyzeReply } from './api.js';
import { el, say } from './elements.js';
import { cueList, emotionLabel, EMOTION_WORDS, percentSpan } from './emotion-text.js';

type Face = AnalyzeReply['faces'][number];

export interface FaceViews {
  cards: HTMLLIElement[];
  marks: HTMLButtonElement[];
}

function personName(number: number, face: Face, reply: AnalyzeReply): string {
  const position = positionWords(face.box, reply.width, reply.faces.length);
  return position === '' ? `Person ${number}` : `Person ${number}, ${position}`;
}

function flagForm(reply: AnalyzeReply, number: number, face: Face, toggle: HTMLButtonElement): HTMLFormElement {
  const legendId = `flag-legend-${number}`;
  const status = el('p', { class: 'status', attrs: { role: 'status', 'aria-live': 'polite' } });
  const choices = EMOTIONS.filter((e) => e !== face.emotion).map((emotion) => {
    const id = `flag-${number}-${emotion}`;
    return el('div', { class: 'choice' }, [
      el('input', { attrs: { type: 'radio', id, name: `flag-${number}`, value: emotion } }),
      el('label', { attrs: { for: id } }, [emotionLabel(emotion)]),
    ]);
  });
  const submit = el('button', { class: 'button primary', text: 'Save the right feeling', attrs: { type: 'submit' } });
  const cancel = el('button', { class: 'button', text: 'Cancel', attrs: { type: 'button' } });
  const form = el('form', { class: 'flag-form', attrs: { novalidate: '' } }, [
    el('fieldset', {}, [el('legend', { text: `What does Person ${number} feel?`, attrs: { id: legendId } }), ...choices]),
    el('div', { class: 'button-row' }, [submit, cancel]),
    status,
  ]);
  form.hidden = true;
  cancel.addEventListener('click', () => {
    form.hidden = true;
    toggle.setAttribute('aria-expanded', 'false');
    toggle.focus();
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const chosen = form.querySelector<HTMLInputElement>('input[type=radio]:checked');
    if (chosen === null) {
      say(status, 'Choose a feeling first.');
      return;
    }
    const emotion = chosen.value as Emotion;
    submit.disabled = true;
    flagFace(reply.analysisId, number, emotion)
      .then(() => say(status, `Thank you. Visage saved that Person ${number} looks ${EMOTION_WORDS[emotion]}.`))
      .catch((error: unknown) => say(status, error instanceof PageError ? error.message : 'Visage could not save this. Try again.'))
      .finally(() => {
        submit.disabled = false;
      });
  });
  return form;
}

function faceCard(reply: AnalyzeReply, face: Face, index: number, select: (n: number) => void): HTMLLIElement {
  const number = index + 1;
  const alternative = closeAlternative(face);
  const level = confidenceLevel(face.confidence);
  const showButton = el('button', { class: 'button', text: 'Show on the photo', attrs: { type: 'button', 'aria-pressed': 'false' } });
  const wrongButton = el('button', { class: 'button', text: "That's wrong", attrs: { type: 'button', 'aria-expanded': 'false' } });
  const form = flagForm(reply, number, face, wrongButton);
  wrongButton.addEventListener('click', () => {
    form.hidden = !form.hidden;
    wrongButton.setAttribute('aria-expanded', String(!form.hidden));
    if (!form.hidden) form.querySelector('input')?.focus();
  });
  showButton.addEventListener('click', () => select(number));
  const sureness = alternative === undefined
    ? (level === 'not sure' ? "I'm not sure." : `I'm ${level}.`)
    : `I'm not sure. It could also be ${EMOTION_WORDS[alternative]}.`;
  return el('li', { class: `card emotion-${face.emotion}`, attrs: { id: `face-card-${number}`, 'data-face': String(number) } }, [
    el('h3', { class: 'card-title' }, [
      el('span', { class: 'face-number', text: String(number), attrs: { 'aria-hidden': 'true' } }),
      el('span', { text: personName(number, face, reply) }),
      el('span', { class: 'selected-note', text: ' (selected)' }),
    ]),
    el('p', { class: 'card-emotion' }, [emotionLabel(face.emotion, 'Looks ')]),
    el('p', { class: 'card-sure' }, [sureness, percentSpan(face.confidence, ' sure')]),
    el('details', { class: 'look-for' }, [el('summary', { text: 'What to look for' }), cueList(face.emotion)]),
    el('div', { class: 'button-row' }, [showButton, wrongButton]),
    form,
  ]);
}

function faceMark(reply: AnalyzeReply, face: Face, index: number, select: (n: number) => void): HTMLButtonElement {
  const number = index + 1;
  const { x, y, width, height } = face.box;
  const mark = el('button', {
    class: 'face-mark',
    attrs: {
      type: 'button',
      'aria-pressed': 'false',
      'aria-label': `${personName(number, face, reply)}: ${EMOTION_WORDS[face.emotion]}. Show the card.`,
      'data-face': String(number),
    },
  });
  // Percentages of the photo, so the marks stay on the faces at any size of the picture.
  mark.style.left = `${((x + width / 2) / reply.width) * 100}%`;
  mark.style.top = `${((y + height / 2) / reply.height) * 100}%`;
  mark.style.width = `${(width / reply.width) * 100}%`;
  mark.style.height = `${(height / reply.height) * 100}%`;
  mark.addEventListener('click', () => select(number));
  return mark;
}

/** Builds the cards and marks; select(n) is called when face n is chosen on either. */
export function renderFaces(reply: AnalyzeReply, select: (n: number) => void): FaceViews {
  return {
    cards: reply.faces.map((face, i) => faceCard(reply, face, i, select)),
    marks: reply.faces.map((face, i) => faceMark(reply, face, i, select)),
  };
}

/** Highlights face n on the photo and its card (and un-highlights the others). */
export function highlightFace(views: FaceViews, number: number): void {
  views.cards.forEach((card, i) => {
    const on = i + 1 === number;
    card.classList.toggle('selected', on);
    card.querySelector('button[aria-pressed]')?.setAttribute('aria-pressed', String(on));
  });
  views.marks.forEach((mark, i) => {
    const on = i + 1 === number;
    mark.classList.toggle('selected', on);
    mark.setAttribute('aria-pressed', String(on));
  });
}

/** The photo's alternative text: every face with its number and emotion. */
export function photoDescription(reply: AnalyzeReply): string {
  const list = reply.faces.map((face, i) => `${i + 1} ${EMOTION_WORDS[face.emotion]}`).join(', ');
  return `The photo with ${reply.faces.length} numbered ${reply.faces.length === 1 ? 'face' : 'faces'}: ${list}.`;
}
