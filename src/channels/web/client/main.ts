// The page's entry point: one page with three parts (check a photo, practise, settings) chosen by the menu. The
// address (#check, #practise, #settings) says which part shows, so the browser's back button works as expected.
import { setUpCheckView } from './check-view.js';
import { setUpPracticeView } from './practice-view.js';
import { setUpSettings } from './settings.js';

const VIEWS = ['check', 'practise', 'settings'] as const;
type View = (typeof VIEWS)[number];

const TITLES: Readonly<Record<View, string>> = {
  check: 'Check a photo – Visage',
  practise: 'Practise reading faces – Visage',
  settings: 'Settings – Visage',
};

function viewFromHash(): View {
  const name = location.hash.replace('#', '');
  return (VIEWS as readonly string[]).includes(name) ? (name as View) : 'check';
}

function start(): void {
  let current: View | undefined;
  setUpSettings();
  setUpCheckView(() => current === 'check');
  const practice = setUpPracticeView();

  const show = (view: View, moveFocus: boolean): void => {
    current = view;
    for (const section of Array.from(document.querySelectorAll<HTMLElement>('[data-view]'))) section.hidden = section.dataset.view !== view;
    for (const link of Array.from(document.querySelectorAll<HTMLAnchorElement>('[data-view-link]'))) {
      if (link.dataset.viewLink === view) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    document.title = TITLES[view];
    if (view === 'practise') practice.enter();
    // After a menu choice, focus goes to the part's heading so a screen reader says where the reader is now.
    if (moveFocus) document.getElementById(`${view}-title`)?.focus();
    window.scrollTo(0, 0);
  };
  window.addEventListener('hashchange', () => show(viewFromHash(), true));
  show(viewFromHash(), false);
}

start();
