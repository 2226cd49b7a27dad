// "Check a photo": a photo arrives by the file button (on phones also the camera), by drag-and-drop, by paste or by
// a link; the answer is the annotated photo with one card per face.
import { analyzeFile, analyzeLink, PageError, type AnalyzeReply } from './api.js';
import { byId, say } from './elements.js';
import { highlightFace, photoDescription, renderFaces, type FaceViews } from './face-cards.js';

export const ANSWER_SHOWN_MARK = 'visage:answer-shown';

interface CheckElements {
  status: HTMLElement;
  results: HTMLElement;
  resultsTitle: HTMLElement;
  summary: HTMLElement;
  photo: HTMLImageElement;
  marks: HTMLElement;
  cards: HTMLOListElement;
  linkInput: HTMLInputElement;
  dropZone: HTMLElement;
}

function elements(): CheckElements {
  return {
    status: byId('check-status', HTMLParagraphElement),
    results: byId('results', HTMLElement),
    resultsTitle: byId('results-title', HTMLHeadingElement),
    summary: byId('results-summary', HTMLParagraphElement),
    photo: byId('annotated-photo', HTMLImageElement),
    marks: byId('face-marks', HTMLDivElement),
    cards: byId('face-cards', HTMLOListElement),
    linkInput: byId('photo-link', HTMLInputElement),
    dropZone: byId('drop-zone', HTMLDivElement),
  };
}

function summaryText(count: number): string {
  if (count === 0) return 'I did not find a face in this photo. Try a photo where the faces are big and clear.';
  if (count === 1) return 'I found 1 face. It has the number 1 on the photo and a card below.';
  return `I found ${count} faces. Each face has a number on the photo and a card with the same number.`;
}

function showResults(ui: CheckElements, reply: AnalyzeReply): void {
  let views: FaceViews | undefined;
  const select = (number: number): void => {
    if (views === undefined) return;
    highlightFace(views, number);
    // The other half of the pair may be off screen (one column on phones); bring it into view without animation.
    const card = views.cards[number - 1];
    const mark = views.marks[number - 1];
    const active = document.activeElement;
    if (active instanceof HTMLElement && mark !== undefined && mark === active) card?.scrollIntoView({ block: 'nearest' });
    else mark?.scrollIntoView({ block: 'nearest' });
  };
  views = renderFaces(reply, select);
  ui.cards.replaceChildren(...views.cards);
  ui.marks.replaceChildren(...views.marks);
  ui.summary.textContent = summaryText(reply.faces.length);
  ui.photo.width = reply.width;
  ui.photo.height = reply.height;
  ui.photo.alt = reply.faces.length === 0 ? 'The photo. No face was found.' : photoDescription(reply);
  if (reply.annotated !== undefined) ui.photo.src = reply.annotated.url;
  ui.results.hidden = false;
  // The summary sits under the heading that now takes the focus, so the status line need not repeat it.
  say(ui.status, '');
  ui.resultsTitle.focus();
  // For the benchmark: when the cards are on screen, to compare with the end of the /v1/analyze response.
  performance.mark(ANSWER_SHOWN_MARK);
}

async function check(ui: CheckElements, run: () => Promise<AnalyzeReply>): Promise<void> {
  say(ui.status, 'Checking the photo. This takes a few seconds.');
  ui.results.setAttribute('aria-busy', 'true');
  try {
    showResults(ui, await run());
  } catch (error) {
    say(ui.status, `Problem: ${error instanceof PageError ? error.message : 'Something went wrong. Try again.'}`);
  } finally {
    ui.results.removeAttribute('aria-busy');
  }
}

function firstImage(files: FileList | null | undefined): File | undefined {
  return Array.from(files ?? []).find((file) => file.type.startsWith('image/') || file.type === '');
}

function checkFile(ui: CheckElements, file: File | undefined): void {
  if (file === undefined) {
    say(ui.status, 'Problem: this is not a photo. Choose a photo file.');
    return;
  }
  void check(ui, () => analyzeFile(file, file.name || 'photo'));
}

function checkLink(ui: CheckElements, link: string): void {
  if (!/^https?:\/\/\S+$/i.test(link)) {
    say(ui.status, 'Problem: this is not a link to a photo. A link starts with https://');
    ui.linkInput.focus();
    return;
  }
  void check(ui, () => analyzeLink(link));
}

function setUpDrop(ui: CheckElements): void {
  const zone = ui.dropZone;
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('drag-over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('drag-over'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('drag-over');
    checkFile(ui, firstImage(event.dataTransfer?.files));
  });
  // A photo dropped next to the zone must not replace the page with the photo.
  document.addEventListener('dragover', (event) => event.preventDefault());
  document.addEventListener('drop', (event) => event.preventDefault());
}

function setUpPaste(ui: CheckElements, isActive: () => boolean): void {
  document.addEventListener('paste', (event) => {
    if (!isActive()) return;
    const file = firstImage(event.clipboardData?.files);
    if (file !== undefined) {
      event.preventDefault();
      checkFile(ui, file);
      return;
    }
    // A pasted link outside a text field is checked too; inside the link field it is just text.
    const text = event.clipboardData?.getData('text/plain').trim() ?? '';
    const target = event.target;
    if (text !== '' && !(target instanceof HTMLInputElement) && /^https?:\/\/\S+$/i.test(text)) {
      event.preventDefault();
      ui.linkInput.value = text;
      checkLink(ui, text);
    }
  });
}

export function setUpCheckView(isActive: () => boolean): void {
  const ui = elements();
  const fileInput = byId('photo-file', HTMLInputElement);
  const cameraInput = byId('photo-camera', HTMLInputElement);
  byId('choose-photo', HTMLButtonElement).addEventListener('click', () => fileInput.click());
  byId('take-photo', HTMLButtonElement).addEventListener('click', () => cameraInput.click());
  for (const input of [fileInput, cameraInput]) {
    input.addEventListener('change', () => {
      checkFile(ui, firstImage(input.files));
      input.value = '';
    });
  }
  byId('link-form', HTMLFormElement).addEventListener('submit', (event) => {
    event.preventDefault();
    checkLink(ui, ui.linkInput.value.trim());
  });
  byId('check-another', HTMLButtonElement).addEventListener('click', () => {
    ui.results.hidden = true;
    ui.cards.replaceChildren();
    ui.marks.replaceChildren();
    ui.photo.removeAttribute('src');
    say(ui.status, '');
    byId('choose-photo', HTMLButtonElement).focus();
  });
  setUpDrop(ui);
  setUpPaste(ui, isActive);
}
