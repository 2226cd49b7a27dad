// Where tests find the repository, the shared photos and FER2013 (never copied into the repo).
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const REPO_DIR = fileURLToPath(new URL('../../', import.meta.url));
export const SHARED_DIR = process.env.VISAGE_SHARED_DIR ?? join(REPO_DIR, '..', 'shared');
export const PHOTOS_DIR = join(SHARED_DIR, 'photos');
export const FER_CSV = join(process.env.VISAGE_FER_DIR ?? join(SHARED_DIR, 'data', 'fer2013'), 'fer2013.csv.gz');

export function photo(name: string): string {
  return join(PHOTOS_DIR, name);
}
