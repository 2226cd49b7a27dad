// The progress chart: one bar per day with the percent of right answers, drawn as inline SVG with its numbers
// written on it (no colour is needed to read it), and the same numbers as a table for screen readers.
import type { DayScore } from '../../../practice/score.js';
import { el, svg } from './elements.js';

const WIDTH = 480;
const HEIGHT = 260;
const PLOT = { left: 64, right: 12, top: 28, bottom: 44 };
/** The chart shows the latest days only, so bars stay wide enough to read on a phone. */
export const CHART_DAYS = 14;

function dayLabel(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  return date.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
}

function chartSvg(days: readonly DayScore[], summaryId: string): SVGSVGElement {
  const root = svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: 'chart', role: 'img', 'aria-labelledby': summaryId });
  const plotW = WIDTH - PLOT.left - PLOT.right;
  const plotH = HEIGHT - PLOT.top - PLOT.bottom;
  const yOf = (percent: number): number => PLOT.top + plotH * (1 - percent / 100);
  for (const tick of [0, 50, 100]) {
    root.append(
      svg('line', { x1: PLOT.left, x2: WIDTH - PLOT.right, y1: yOf(tick), y2: yOf(tick), class: 'grid' }),
      svg('text', { x: PLOT.left - 8, y: yOf(tick) + 5, 'text-anchor': 'end', class: 'axis-label' }, `${tick}%`),
    );
  }
  const slot = plotW / Math.max(days.length, 1);
  const barW = Math.min(56, slot * 0.6);
  days.forEach((day, i) => {
    const cx = PLOT.left + slot * (i + 0.5);
    const top = yOf(day.percent);
    root.append(
      svg('rect', { x: cx - barW / 2, y: top, width: barW, height: Math.max(PLOT.top + plotH - top, 1), class: 'bar' }),
      svg('text', { x: cx, y: top - 6, 'text-anchor': 'middle', class: 'bar-label' }, `${day.percent}%`),
      svg('text', { x: cx, y: HEIGHT - PLOT.bottom + 22, 'text-anchor': 'middle', class: 'axis-label' }, dayLabel(day.day)),
    );
  });
  return root;
}

function chartTable(days: readonly DayScore[]): HTMLTableElement {
  return el('table', { class: 'score-table' }, [
    el('caption', { text: 'Right answers for each day' }),
    el('thead', {}, [el('tr', {}, [
      el('th', { text: 'Day', attrs: { scope: 'col' } }),
      el('th', { text: 'Right', attrs: { scope: 'col' } }),
      el('th', { text: 'Tried', attrs: { scope: 'col' } }),
    ])]),
    el('tbody', {}, days.map((day) => el('tr', {}, [
      el('th', { text: dayLabel(day.day), attrs: { scope: 'row' } }),
      el('td', { text: `${day.correct} (${day.percent}%)` }),
      el('td', { text: String(day.asked) }),
    ]))),
  ]);
}

export function renderProgressChart(container: HTMLElement, allDays: readonly DayScore[]): void {
  if (allDays.length === 0) {
    container.replaceChildren(el('p', { text: 'No answers yet. After your first answer, your progress shows here.' }));
    return;
  }
  const days = allDays.slice(-CHART_DAYS);
  const last = days[days.length - 1];
  const summaryId = 'progress-summary';
  const summary = days.length === 1
    ? `One day of practice: ${last?.percent ?? 0}% right.`
    : `${days.length} days of practice. The first day: ${days[0]?.percent ?? 0}% right. The last day: ${last?.percent ?? 0}% right.`;
  container.replaceChildren(
    el('figure', { class: 'chart-figure' }, [chartSvg(days, summaryId), el('figcaption', { text: summary, attrs: { id: summaryId } })]),
    el('details', { class: 'chart-numbers' }, [el('summary', { text: 'Show the numbers as a table' }), chartTable(days)]),
  );
}
