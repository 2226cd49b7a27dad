import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULTS, loadConfig } from '../src/config.js';

const cwd = '/srv/visage';

function tempFile(content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'visage-config-'));
  const file = join(dir, 'visage.json');
  writeFileSync(file, content);
  return file;
}

describe('loadConfig', () => {
  it('starts from the documented defaults', () => {
    const config = loadConfig({ env: {}, cwd });
    expect(config.port).toBe(3000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.dataDir).toBe('/srv/visage/data');
    expect(config.modelDir).toBeUndefined();
    expect(config.workers).toBeGreaterThanOrEqual(1);
    expect(config.fetch).toEqual({ allow: [], maxBytes: 15 * 1024 * 1024, connectTimeoutMs: 5000, totalTimeoutMs: 20000, maxRedirects: 3 });
    expect(config.messenger.graphUrl).toBe('https://graph.facebook.com/v25.0');
    expect(Object.isFrozen(DEFAULTS.fetch)).toBe(true);
  });

  it('layers file, then environment, then flags', () => {
    const file = tempFile(JSON.stringify({ port: 4000, host: '0.0.0.0', fetch: { maxRedirects: 1, allow: ['localhost:9000'] }, workers: 3 }));
    const config = loadConfig({
      file,
      cwd,
      env: { VISAGE_PORT: '5000', VISAGE_FETCH_ALLOW: '127.0.0.1:8080, [::1]:8081', VISAGE_DATA_DIR: 'var', MESSENGER_VERIFY_TOKEN: 'tok' },
      argv: { port: '6000', 'queue-size': '4' },
    });
    expect(config.port).toBe(6000);
    expect(config.host).toBe('0.0.0.0');
    expect(config.workers).toBe(3);
    expect(config.queueSize).toBe(4);
    expect(config.fetch.maxRedirects).toBe(1);
    expect(config.fetch.allow).toEqual(['127.0.0.1:8080', '[::1]:8081']);
    expect(config.dataDir).toBe('/srv/visage/var');
    expect(config.messenger.verifyToken).toBe('tok');
  });

  it('reads the file named by --config or VISAGE_CONFIG', () => {
    const file = tempFile(JSON.stringify({ limits: { maxPixels: 1000 } }));
    expect(loadConfig({ env: { VISAGE_CONFIG: file }, cwd }).limits.maxPixels).toBe(1000);
    expect(loadConfig({ env: {}, argv: { config: file }, cwd }).limits.maxPixels).toBe(1000);
  });

  it('deep-freezes the result', () => {
    const config = loadConfig({ env: {}, cwd });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.fetch.allow)).toBe(true);
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow();
  });

  it.each([
    [{ env: { VISAGE_PORT: 'eighty' } }, /Setting "port" \(from VISAGE_PORT\) must be an integer from 0 to 65535; received "eighty"/],
    [{ env: { VISAGE_PORT: '70000' } }, /"port".*received "70000"/],
    [{ env: { VISAGE_WORKERS: '0' } }, /"workers".*from 1 to 256/],
    [{ env: { VISAGE_FETCH_ALLOW: 'localhost' } }, /"fetch.allow".*host:port/],
    [{ env: { VISAGE_LOG_LEVEL: 'loud' } }, /"logLevel".*one of fatal/],
    [{ env: { MESSENGER_GRAPH_URL: 'graph' } }, /"messenger.graphUrl".*http\(s\) URL/],
    [{ env: { VISAGE_PROT: '1' } }, /Unknown environment variable VISAGE_PROT/],
    [{ env: {}, argv: { prot: '1' } }, /Unknown flag --prot/],
    [{ env: {}, argv: { port: true } }, /"port" \(from --port\)/],
  ])('fails with VSG_CONFIG_INVALID naming the setting: %j', (sources, message) => {
    expect(() => loadConfig({ cwd, ...sources })).toThrowError(expect.objectContaining({ code: 'VSG_CONFIG_INVALID', message: expect.stringMatching(message) }));
  });

  it('never repeats a secret in an error message', () => {
    const file = tempFile(JSON.stringify({ operatorToken: 42 }));
    expect(() => loadConfig({ file, env: {}, cwd })).toThrowError(expect.objectContaining({ message: expect.stringContaining('(hidden)') }));
  });

  it('fails on unknown keys, bad JSON and wrong types in the file', () => {
    const cases: Array<[string, RegExp]> = [
      [JSON.stringify({ prot: 1 }), /Unknown setting "prot"/],
      [JSON.stringify({ fetch: { maxbytes: 1 } }), /Unknown setting "fetch.maxbytes"/],
      [JSON.stringify({ fetch: 3 }), /Unknown setting "fetch"/],
      [JSON.stringify({ port: '80' }), /"port"/],
      [JSON.stringify({ fetch: { maxBytes: 1.5 } }), /"fetch.maxBytes".*received 1.5/],
      ['{ port: 1', /not valid JSON/],
      ['[]', /must hold a JSON object/],
    ];
    for (const [content, message] of cases) {
      expect(() => loadConfig({ file: tempFile(content), env: {}, cwd }), content).toThrowError(
        expect.objectContaining({ code: 'VSG_CONFIG_INVALID', message: expect.stringMatching(message) }),
      );
    }
  });

  it('ignores tooling variables (tests, benchmarks)', () => {
    expect(() => loadConfig({ env: { VISAGE_SHARED_DIR: '/x', VISAGE_BENCH_STEP_S: '5' }, cwd })).not.toThrow();
  });
});
