// Practice faces from flags an operator accepted: the face crop users said Visage got wrong, with the emotion they
// gave. Read from the store on every call, because flags are accepted (and purged) while the server runs.
import sharp from 'sharp';
import type { FlagStore } from '../store/flags.js';
import { enlargeFace, type PracticeItem, type PracticeSource } from './items.js';

const FLAG_ID = /^flag:(\d+)$/;

export function createFlagSource(flags: Pick<FlagStore, 'list' | 'getWithCrop'>): PracticeSource {
  return {
    name: 'accepted flags',
    async items() {
      return flags.list({ status: 'accepted' }).map((flag): PracticeItem => ({ id: `flag:${flag.id}`, emotion: flag.label }));
    },
    async image(id) {
      const match = FLAG_ID.exec(id);
      const flag = match?.[1] === undefined ? undefined : flags.getWithCrop(Number(match[1]));
      if (flag === undefined || flag.status !== 'accepted') return undefined;
      return enlargeFace(sharp(flag.cropPng));
    },
  };
}
