// The real server (real models in a worker, a temp SQLite file) with the built web page, for the browser tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Config } from '../../../../src/config.js';
import type { AnalysisPool } from '../../../../src/services/worker-pool.js';
import { startTestPool, startTestServer, testConfig, type TestServer } from '../../../server/support/test-server.js';
import { buildWebPage } from './browser.js';

export interface WebTestServer extends TestServer {
  dataDir: string;
  /** Rows of a query on the server's SQLite file, opened read-only beside the server. */
  query<T>(sql: string, ...params: unknown[]): T[];
}

type Overrides = Parameters<typeof testConfig>[0];

export async function startWebTestServer(overrides: Overrides = {}): Promise<WebTestServer & { pool: AnalysisPool }> {
  buildWebPage();
  const dataDir = mkdtempSync(join(tmpdir(), 'visage-web-'));
  const config: Config = testConfig({ ...overrides, dataDir });
  const pool = startTestPool(1, 4);
  const server = await startTestServer(config, { pool });
  await pool.whenReady();
  return {
    ...server,
    pool,
    dataDir,
    query<T>(sql: string, ...params: unknown[]): T[] {
      const db = new Database(join(dataDir, 'visage.db'), { readonly: true, fileMustExist: true });
      try {
        return db.prepare(sql).all(...params) as T[];
      } finally {
        db.close();
      }
    },
    close: async () => {
      await server.close();
      await pool.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
