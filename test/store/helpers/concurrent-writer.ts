// One of several processes writing to the same database at once (see concurrency.test.ts). Prints what it was
// told succeeded, so the test can check that every acknowledged write is there.
import { openDataStore } from '../../../src/store/store.js';
import { scoresFor } from './store-fixtures.js';

const [dataDir = '', indexText = '0', countText = '0'] = process.argv.slice(2);
const index = Number(indexText);
const count = Number(countText);
const store = openDataStore(dataDir, { salt: 'test-salt-0123456789abcdef' });
const userId = store.users.resolve('messenger', `writer-${index}`);
const crop = Buffer.alloc(2048, index);
const flagIds: number[] = [];
const claimed: string[] = [];
let rounds = 0;
for (let i = 1; i <= count; i += 1) {
  flagIds.push(
    store.flags.add({
      userId, channel: 'messenger', analysisId: `a-${index}`, faceNumber: i, predicted: 'happy',
      scores: scoresFor('happy'), label: 'sad', cropPng: crop,
    }).id,
  );
  // Every writer races for the same message ids: exactly one of them may win each.
  if (!store.messages.seen(`shared-${i}`)) claimed.push(`shared-${i}`);
  const round = store.practice.start({ userId, channel: 'messenger', itemId: `fer2013:${i}`, expected: 'fear' });
  if (store.practice.answer(userId, round.id, 'fear').correct) rounds += 1;
}
store.close();
process.stdout.write(`${JSON.stringify({ flagIds, claimed, rounds })}\n`);
