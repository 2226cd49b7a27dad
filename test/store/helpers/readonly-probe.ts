// Run as a user who may not write the data folder: opens the store, tries to store a flag, prints what happened.
import { openDataStore } from '../../../src/store/store.js';
import { scoresFor } from './store-fixtures.js';

const dataDir = process.argv[2] ?? '';
const result: Record<string, unknown> = {};
try {
  const store = openDataStore(dataDir, { salt: 'test-salt-0123456789abcdef' });
  result.opened = true;
  const userId = store.users.hash('web', 'reader');
  store.flags.add({
    userId, channel: 'web', analysisId: 'a', faceNumber: 1, predicted: 'happy', scores: scoresFor('happy'),
    label: 'sad', cropPng: Buffer.from([1, 2, 3]),
  });
  result.written = true;
} catch (error) {
  const e = error as { code?: string; message?: string };
  result.code = e.code;
  result.message = e.message;
}
process.stdout.write(`${JSON.stringify(result)}\n`);
