// "Practise": a face, seven large answer buttons, calm feedback with the right answer and what to look for, the
// score per emotion, the progress chart, and "Forget me".
import { EMOTIONS, type Emotion } from '../../../pipeline/types.js';
import type { PracticeProgress } from '../../../practice/score.js';
import { answerPracticeRound, forgetMe, nextPracticeRound, PageError, practiceProgress, type PracticeRoundReply } from './api.js';
import { byId, el, say } from './elements.js';
import { cueList, emotionLabel, EMOTION_WORDS } from './emotion-text.js';
import { renderProgressChart } from './progress-chart.js';

interface PracticeElements {
  face: HTMLImageElement;
  roundNumber: HTMLElement;
  status: HTMLElement;
  answers: HTMLElement;
  feedback: HTMLElement;
  next: HTMLButtonElement;
  visitScore: HTMLElement;
  scoreRows: HTMLElement;
  focusNote: HTMLElement;
  chart: HTMLElement;
}

interface VisitState {
  round: PracticeRoundReply | undefined;
  answered: boolean;
  asked: number;
  correct: number;
  started: boolean;
}

function elements(): PracticeElements {
  return {
    face: byId('practice-face', HTMLImageElement),
    roundNumber: byId('round-number', HTMLSpanElement),
    status: byId('practice-status', HTMLParagraphElement),
    answers: byId('answers', HTMLDivElement),
    feedback: byId('feedback', HTMLDivElement),
    next: byId('next-face', HTMLButtonElement),
    visitScore: byId('visit-score', HTMLParagraphElement),
    scoreRows: byId('score-rows', HTMLTableSectionElement),
    focusNote: byId('focus-note', HTMLParagraphElement),
    chart: byId('progress-chart', HTMLDivElement),
  };
}

function showProgress(ui: PracticeElements, progress: PracticeProgress): void {
  ui.scoreRows.replaceChildren(
    ...progress.byEmotion.map((row) =>
      el('tr', {}, [
        el('th', { attrs: { scope: 'row' } }, [emotionLabel(row.emotion)]),
        el('td', {}, [String(row.correct), row.percent === null ? null : el('span', { class: 'percent', text: ` (${row.percent}%)` })]),
        el('td', { text: String(row.asked) }),
      ]),
    ),
  );
  ui.focusNote.textContent = progress.focus.length === 0
    ? ''
    : `You will see more ${progress.focus.map((e) => `${EMOTION_WORDS[e]}`).join(' and ')} faces, because they were harder for you.`;
  renderProgressChart(ui.chart, progress.daily);
}

function showVisitScore(ui: PracticeElements, state: VisitState): void {
  ui.visitScore.textContent = state.asked === 0
    ? 'This time: no answers yet.'
    : `This time: ${state.correct} right out of ${state.asked}.`;
}

function answerButtons(ui: PracticeElements, onAnswer: (emotion: Emotion) => void): HTMLButtonElement[] {
  const buttons = EMOTIONS.map((emotion) => {
    const button = el('button', { class: 'answer', attrs: { type: 'button', 'data-emotion': emotion } }, [emotionLabel(emotion)]);
    button.addEventListener('click', () => onAnswer(emotion));
    return button;
  });
  ui.answers.replaceChildren(...buttons);
  return buttons;
}

function feedbackFor(expected: Emotion, answer: Emotion, correct: boolean): HTMLElement[] {
  const verdict = correct
    ? `Right. This face looks ${EMOTION_WORDS[expected]}.`
    : `This face looks ${EMOTION_WORDS[expected]}. You chose ${EMOTION_WORDS[answer]}.`;
  return [
    el('p', { class: 'verdict', text: verdict }),
    el('p', { class: 'cue-title', text: `What to look for in a ${EMOTION_WORDS[expected]} face:` }),
    cueList(expected),
  ];
}

export function setUpPracticeView(): { enter(): void } {
  const ui = elements();
  const state: VisitState = { round: undefined, answered: false, asked: 0, correct: 0, started: false };

  const setButtons = (enabled: boolean): void => {
    for (const button of buttons) button.disabled = !enabled;
  };

  const loadRound = async (moveFocus: boolean): Promise<void> => {
    setButtons(false);
    ui.next.hidden = true;
    ui.feedback.replaceChildren();
    for (const button of buttons) button.classList.remove('chosen', 'right-answer');
    say(ui.status, 'Loading a face.');
    try {
      const round = await nextPracticeRound();
      state.round = round;
      state.answered = false;
      ui.face.src = round.image;
      ui.roundNumber.textContent = String(state.asked + 1);
      say(ui.status, '');
      setButtons(true);
      if (moveFocus) buttons[0]?.focus();
    } catch (error) {
      say(ui.status, `Problem: ${error instanceof PageError ? error.message : 'Visage could not load a face. Try again.'}`);
    }
  };

  const onAnswer = (emotion: Emotion): void => {
    const round = state.round;
    if (round === undefined || state.answered) return;
    state.answered = true;
    setButtons(false);
    answerPracticeRound(round.roundId, emotion)
      .then((reply) => {
        state.asked += 1;
        if (reply.correct) state.correct += 1;
        for (const button of buttons) {
          button.classList.toggle('chosen', button.dataset.emotion === emotion);
          button.classList.toggle('right-answer', button.dataset.emotion === reply.expected);
        }
        ui.feedback.replaceChildren(...feedbackFor(reply.expected, emotion, reply.correct));
        showVisitScore(ui, state);
        showProgress(ui, reply.progress);
        ui.next.hidden = false;
        ui.next.focus();
      })
      .catch((error: unknown) => {
        state.answered = false;
        setButtons(true);
        say(ui.status, `Problem: ${error instanceof PageError ? error.message : 'Visage could not save the answer. Try again.'}`);
      });
  };

  const buttons = answerButtons(ui, onAnswer);
  ui.next.addEventListener('click', () => void loadRound(true));
  setUpForget(ui, state);

  return {
    enter() {
      if (state.started) return;
      state.started = true;
      practiceProgress().then((progress) => showProgress(ui, progress)).catch(() => renderProgressChart(ui.chart, []));
      void loadRound(false);
    },
  };
}

function setUpForget(ui: PracticeElements, state: VisitState): void {
  const ask = byId('forget-me', HTMLButtonElement);
  const confirm = byId('forget-confirm', HTMLDivElement);
  const status = byId('forget-status', HTMLParagraphElement);
  const yes = byId('forget-yes', HTMLButtonElement);
  ask.addEventListener('click', () => {
    confirm.hidden = false;
    ask.setAttribute('aria-expanded', 'true');
    yes.focus();
  });
  byId('forget-no', HTMLButtonElement).addEventListener('click', () => {
    confirm.hidden = true;
    ask.setAttribute('aria-expanded', 'false');
    say(status, 'Nothing was deleted.');
    ask.focus();
  });
  yes.addEventListener('click', () => {
    forgetMe()
      .then(() => {
        confirm.hidden = true;
        ask.setAttribute('aria-expanded', 'false');
        state.asked = 0;
        state.correct = 0;
        showVisitScore(ui, state);
        say(status, 'Done. Visage deleted your practice answers and your corrections.');
        ask.focus();
        return practiceProgress().then((progress) => showProgress(ui, progress));
      })
      .catch((error: unknown) => say(status, `Problem: ${error instanceof PageError ? error.message : 'Visage could not delete your data. Try again.'}`));
  });
}
