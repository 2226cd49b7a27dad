// The reader's settings (hide percentages, larger text), kept in localStorage and shown as classes on <html> so
// the stylesheet does the rest. Nothing is sent to the server.
import { byId } from './elements.js';

const SETTINGS = [
  { key: 'visage.hidePercent', inputId: 'setting-hide-percent', className: 'hide-percent' },
  { key: 'visage.largeText', inputId: 'setting-large-text', className: 'large-text' },
] as const;

function readFlag(key: string): boolean {
  try {
    return localStorage.getItem(key) === 'on';
  } catch {
    return false; // storage blocked (private mode): the setting simply lasts for this page only
  }
}

function writeFlag(key: string, on: boolean): void {
  try {
    localStorage.setItem(key, on ? 'on' : 'off');
  } catch {
    // storage blocked: keep the setting for this page only
  }
}

export function setUpSettings(): void {
  for (const setting of SETTINGS) {
    const input = byId(setting.inputId, HTMLInputElement);
    input.checked = readFlag(setting.key);
    document.documentElement.classList.toggle(setting.className, input.checked);
    input.addEventListener('change', () => {
      writeFlag(setting.key, input.checked);
      document.documentElement.classList.toggle(setting.className, input.checked);
    });
  }
}
