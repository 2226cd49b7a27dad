// Practice faces for the game in the chat come from the practice pool (src/practice: the operator's FER2013 rows,
// labelled photos and accepted flags), chosen the way the web game chooses them: emotions the player misses or
// mixes up come up more often. An empty pool means practice is not set up on this server.
import type { Emotion } from '../../pipeline/types.js';
import { chooseNextItem, type Confusions, type Random } from '../../practice/choose.js';
import type { PracticeImage } from '../../practice/items.js';
import type { PracticePool } from '../../practice/pool.js';
import type { PracticeSummary } from '../../store/practice.js';

export interface PracticeFace {
  /** Stable id stored with the round, e.g. "fer2013:1234". */
  itemId: string;
  expected: Emotion;
  image: PracticeImage;
}

export interface PracticeHistory {
  summary: PracticeSummary;
  confusions: Confusions;
  /** The face shown last, so it does not come straight back. */
  lastItemId?: string;
}

export interface PracticeDeck {
  /** The next face for this player, or undefined when the pool has no faces at all. */
  pick(history: PracticeHistory, random?: Random): Promise<PracticeFace | undefined>;
}

export function createPoolDeck(pool: PracticePool): PracticeDeck {
  return {
    async pick(history, random = Math.random) {
      const item = chooseNextItem(history.summary, history.confusions, await pool.byEmotion(), random, history.lastItemId);
      if (item === undefined) return undefined;
      return { itemId: item.id, expected: item.emotion, image: await pool.image(item.id) };
    },
  };
}
