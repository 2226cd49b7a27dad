// The practice pool: every face the player can be shown, from the sources the operator configured (FER2013 test
// rows, a folder of labelled photos) plus the flags an operator accepted.
import type { Config } from '../config.js';
import { VisageError } from '../errors.js';
import { EMOTIONS, type Emotion } from '../pipeline/types.js';
import type { FlagStore } from '../store/flags.js';
import { createFerSource } from './fer-source.js';
import { createFlagSource } from './flag-source.js';
import type { PracticeImage, PracticeItem, PracticeSource } from './items.js';
import { createPhotoSource } from './photo-source.js';

export type ItemsByEmotion = Record<Emotion, readonly PracticeItem[]>;

export interface PracticePool {
  /** Starts loading the sources (the FER2013 file takes seconds); resolves when all are loaded. */
  load(): Promise<void>;
  byEmotion(): Promise<ItemsByEmotion>;
  /** The item with this id, or undefined when no source has it (any more). */
  item(id: string): Promise<PracticeItem | undefined>;
  image(id: string): Promise<PracticeImage>;
}

export function groupByEmotion(items: readonly PracticeItem[]): ItemsByEmotion {
  const groups = Object.fromEntries(EMOTIONS.map((e) => [e, [] as PracticeItem[]])) as Record<Emotion, PracticeItem[]>;
  for (const item of items) groups[item.emotion].push(item);
  return groups;
}

export function createPracticePool(sources: readonly PracticeSource[]): PracticePool {
  const allItems = async (): Promise<PracticeItem[]> => (await Promise.all(sources.map((s) => s.items()))).flat();
  return {
    async load() {
      await allItems();
    },
    async byEmotion() {
      return groupByEmotion(await allItems());
    },
    async item(id) {
      return (await allItems()).find((item) => item.id === id);
    },
    async image(id) {
      for (const source of sources) {
        const image = await source.image(id);
        if (image !== undefined) return image;
      }
      throw new VisageError('VSG_NOT_FOUND', `The practice face ${id} is no longer in the practice pool.`);
    },
  };
}

/** The pool the operator configured: config.practice sources plus accepted flags from the store. */
export function practicePoolFromConfig(
  practice: Config['practice'],
  flags: Pick<FlagStore, 'list' | 'getWithCrop'>,
): PracticePool {
  const sources: PracticeSource[] = [];
  if (practice.ferCsvPath !== undefined) sources.push(createFerSource(practice.ferCsvPath));
  if (practice.photosDir !== undefined) sources.push(createPhotoSource(practice.photosDir));
  sources.push(createFlagSource(flags));
  return createPracticePool(sources);
}
