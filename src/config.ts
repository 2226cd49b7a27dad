// Visage's configuration: typed DEFAULTS, then an optional JSON file (--config / VISAGE_CONFIG), then VISAGE_*
// (and MESSENGER_*) environment variables, then command-line flags. Every setting is checked once, here; unknown
// keys fail; the result is deep-frozen and passed in. This is the only file that reads process.env.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import { describeValue, VisageError } from './errors.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  readonly port: number;
  /** 127.0.0.1 by default, so a fresh `npm start` is not reachable from the network until --host says so. */
  readonly host: string;
  readonly logLevel: LogLevel;
  readonly dataDir: string;
  /** Folder with the ONNX models and sidecars; undefined means the models bundled with Visage. */
  readonly modelDir: string | undefined;
  /** Inference worker threads; defaults to the number of cores. */
  readonly workers: number;
  /** Jobs that may wait for a worker; beyond that the server answers 503 at once. */
  readonly queueSize: number;
  readonly fetch: {
    readonly allow: readonly string[];
    readonly maxBytes: number;
    readonly connectTimeoutMs: number;
    readonly totalTimeoutMs: number;
    readonly maxRedirects: number;
  };
  readonly limits: { readonly bodyBytes: number; readonly maxPixels: number; readonly requestTimeoutMs: number };
  /** Per-client token bucket; perSecond 0 turns it off. */
  readonly rateLimit: { readonly burst: number; readonly perSecond: number };
  readonly analysisTtlMs: number;
  readonly analysisMaxEntries: number;
  readonly retentionDays: number;
  readonly operatorToken: string | undefined;
  readonly practice: { readonly ferCsvPath: string | undefined; readonly photosDir: string | undefined };
  readonly messenger: {
    readonly appSecret: string | undefined;
    readonly pageAccessToken: string | undefined;
    readonly verifyToken: string | undefined;
    readonly graphUrl: string;
  };
}

export interface ConfigSources {
  /** Parsed flags by name (kebab-case, without dashes), e.g. { port: '8080', config: 'visage.json' }. */
  argv?: Record<string, string | boolean>;
  env?: NodeJS.ProcessEnv;
  /** Path of a JSON config file; also taken from argv.config or VISAGE_CONFIG. */
  file?: string;
  /** Relative paths are resolved against this folder (default: the process's working folder). */
  cwd?: string;
}

const MB = 1024 * 1024;

export const DEFAULTS: Config = deepFreeze({
  port: 3000,
  host: '127.0.0.1',
  logLevel: 'info',
  dataDir: './data',
  modelDir: undefined,
  workers: 0, // 0 stands for "one per core", resolved in loadConfig
  queueSize: 16,
  fetch: { allow: [], maxBytes: 15 * MB, connectTimeoutMs: 5_000, totalTimeoutMs: 20_000, maxRedirects: 3 },
  limits: { bodyBytes: 16 * MB, maxPixels: 40_000_000, requestTimeoutMs: 30_000 },
  rateLimit: { burst: 60, perSecond: 10 },
  analysisTtlMs: 15 * 60_000,
  analysisMaxEntries: 500,
  retentionDays: 30,
  operatorToken: undefined,
  practice: { ferCsvPath: undefined, photosDir: undefined },
  messenger: { appSecret: undefined, pageAccessToken: undefined, verifyToken: undefined, graphUrl: 'https://graph.facebook.com/v25.0' },
});

type Kind = 'int' | 'text' | 'path' | 'secret' | 'hostPorts' | 'url' | 'level';

interface Setting {
  path: string;
  kind: Kind;
  env?: string;
  flag?: string;
  min?: number;
  max?: number;
}

const MAX_INT = Number.MAX_SAFE_INTEGER;
const LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

const SETTINGS: readonly Setting[] = [
  { path: 'port', kind: 'int', min: 0, max: 65535, env: 'VISAGE_PORT', flag: 'port' },
  { path: 'host', kind: 'text', env: 'VISAGE_HOST', flag: 'host' },
  { path: 'logLevel', kind: 'level', env: 'VISAGE_LOG_LEVEL', flag: 'log-level' },
  { path: 'dataDir', kind: 'path', env: 'VISAGE_DATA_DIR', flag: 'data-dir' },
  { path: 'modelDir', kind: 'path', env: 'VISAGE_MODEL_DIR', flag: 'model-dir' },
  { path: 'workers', kind: 'int', min: 1, max: 256, env: 'VISAGE_WORKERS', flag: 'workers' },
  { path: 'queueSize', kind: 'int', min: 0, max: 100_000, env: 'VISAGE_QUEUE_SIZE', flag: 'queue-size' },
  { path: 'fetch.allow', kind: 'hostPorts', env: 'VISAGE_FETCH_ALLOW' },
  { path: 'fetch.maxBytes', kind: 'int', min: 1, max: MAX_INT, env: 'VISAGE_FETCH_MAX_BYTES' },
  { path: 'fetch.connectTimeoutMs', kind: 'int', min: 1, max: 600_000, env: 'VISAGE_FETCH_CONNECT_TIMEOUT_MS' },
  { path: 'fetch.totalTimeoutMs', kind: 'int', min: 1, max: 600_000, env: 'VISAGE_FETCH_TOTAL_TIMEOUT_MS' },
  { path: 'fetch.maxRedirects', kind: 'int', min: 0, max: 10, env: 'VISAGE_FETCH_MAX_REDIRECTS' },
  { path: 'limits.bodyBytes', kind: 'int', min: 1, max: MAX_INT, env: 'VISAGE_BODY_BYTES' },
  { path: 'limits.maxPixels', kind: 'int', min: 1, max: MAX_INT, env: 'VISAGE_MAX_PIXELS' },
  { path: 'limits.requestTimeoutMs', kind: 'int', min: 1, max: 3_600_000, env: 'VISAGE_REQUEST_TIMEOUT_MS' },
  { path: 'rateLimit.burst', kind: 'int', min: 1, max: 1_000_000, env: 'VISAGE_RATE_LIMIT_BURST' },
  { path: 'rateLimit.perSecond', kind: 'int', min: 0, max: 1_000_000, env: 'VISAGE_RATE_LIMIT_PER_SECOND' },
  { path: 'analysisTtlMs', kind: 'int', min: 1, max: MAX_INT, env: 'VISAGE_ANALYSIS_TTL_MS' },
  { path: 'analysisMaxEntries', kind: 'int', min: 1, max: 1_000_000, env: 'VISAGE_ANALYSIS_MAX_ENTRIES' },
  { path: 'retentionDays', kind: 'int', min: 1, max: 36_500, env: 'VISAGE_RETENTION_DAYS' },
  { path: 'operatorToken', kind: 'secret', env: 'VISAGE_OPERATOR_TOKEN' },
  { path: 'practice.ferCsvPath', kind: 'path', env: 'VISAGE_PRACTICE_FER_CSV' },
  { path: 'practice.photosDir', kind: 'path', env: 'VISAGE_PRACTICE_PHOTOS_DIR' },
  { path: 'messenger.appSecret', kind: 'secret', env: 'MESSENGER_APP_SECRET' },
  { path: 'messenger.pageAccessToken', kind: 'secret', env: 'MESSENGER_PAGE_ACCESS_TOKEN' },
  { path: 'messenger.verifyToken', kind: 'secret', env: 'MESSENGER_VERIFY_TOKEN' },
  { path: 'messenger.graphUrl', kind: 'url', env: 'MESSENGER_GRAPH_URL' },
];

/** VISAGE_* variables that belong to tooling (tests, benchmarks, training data), not to the server; the rest must be known. */
const TOOLING_ENV = /^VISAGE_(CONFIG|SHARED_DIR|FER_DIR|BENCH_.*|TEST_.*)$/;

interface Origin {
  setting: Setting;
  source: string;
  /** Environment variables and flags are text; a JSON file must use real numbers and arrays. */
  text: boolean;
}

function invalid(origin: Origin, expected: string, received: unknown): VisageError {
  const shown = origin.setting.kind === 'secret' ? '(hidden)' : describeValue(received);
  return new VisageError(
    'VSG_CONFIG_INVALID',
    `Setting "${origin.setting.path}" (from ${origin.source}) must be ${expected}; received ${shown}.`,
  );
}

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/;

function coerce(origin: Origin, raw: unknown, cwd: string): unknown {
  const { kind, min = 0, max = MAX_INT } = origin.setting;
  if (kind === 'int') {
    const value = origin.text && typeof raw === 'string' && /^\s*\d+\s*$/.test(raw) ? Number(raw) : raw;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw invalid(origin, `an integer from ${min} to ${max}`, raw);
    }
    return value;
  }
  if (kind === 'hostPorts') {
    const list = origin.text && typeof raw === 'string' ? raw.split(',').map((s) => s.trim()).filter((s) => s !== '') : raw;
    const ok = Array.isArray(list) && list.every((e) => typeof e === 'string' && HOST_PORT.test(e) && Number(HOST_PORT.exec(e)?.[2]) <= 65535);
    if (!ok) throw invalid(origin, 'a list of host:port (comma-separated in the environment)', raw);
    return list;
  }
  if (typeof raw !== 'string' || raw.trim() === '') throw invalid(origin, 'a non-empty string', raw);
  if (kind === 'path') return resolvePath(cwd, raw);
  if (kind === 'level' && !LEVELS.includes(raw as LogLevel)) throw invalid(origin, `one of ${LEVELS.join(', ')}`, raw);
  if (kind === 'url' && !/^https?:\/\/[^\s]+$/.test(raw)) throw invalid(origin, 'an http(s) URL', raw);
  return raw;
}

type Tree = Record<string, unknown>;

function setPath(target: Tree, path: string, value: unknown): void {
  const keys = path.split('.');
  const last = keys.pop() ?? path;
  let node = target;
  for (const key of keys) node = node[key] as Tree;
  node[last] = value;
}

function isPlainObject(value: unknown): value is Tree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Walks a config file's object; every key must be a known setting or section. */
function applyFile(target: Tree, content: Tree, file: string, cwd: string, prefix = ''): void {
  for (const [key, value] of Object.entries(content)) {
    const path = `${prefix}${key}`;
    const setting = SETTINGS.find((s) => s.path === path);
    if (setting) {
      setPath(target, path, coerce({ setting, source: `config file ${file}`, text: false }, value, cwd));
    } else if (SETTINGS.some((s) => s.path.startsWith(`${path}.`)) && isPlainObject(value)) {
      applyFile(target, value, file, cwd, `${path}.`);
    } else {
      const known = SETTINGS.map((s) => s.path).join(', ');
      throw new VisageError('VSG_CONFIG_INVALID', `Unknown setting "${path}" in config file ${file}; known settings: ${known}.`);
    }
  }
}

function readConfigFile(file: string): Tree {
  let content: unknown;
  try {
    content = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    const reason = error instanceof SyntaxError ? 'is not valid JSON' : 'cannot be read';
    throw new VisageError('VSG_CONFIG_INVALID', `Config file ${file} ${reason}.`, { cause: error });
  }
  if (!isPlainObject(content)) throw new VisageError('VSG_CONFIG_INVALID', `Config file ${file} must hold a JSON object.`);
  return content;
}

function applyEnv(target: Tree, env: NodeJS.ProcessEnv, cwd: string): void {
  for (const name of Object.keys(env)) {
    if (name.startsWith('VISAGE_') && !TOOLING_ENV.test(name) && !SETTINGS.some((s) => s.env === name)) {
      const known = SETTINGS.flatMap((s) => (s.env?.startsWith('VISAGE_') ? [s.env] : [])).join(', ');
      throw new VisageError('VSG_CONFIG_INVALID', `Unknown environment variable ${name}; known: VISAGE_CONFIG, ${known}.`);
    }
  }
  for (const setting of SETTINGS) {
    const raw = setting.env === undefined ? undefined : env[setting.env];
    if (raw !== undefined && raw !== '') setPath(target, setting.path, coerce({ setting, source: `${setting.env}`, text: true }, raw, cwd));
  }
}

function applyFlags(target: Tree, argv: Record<string, string | boolean>, cwd: string): void {
  for (const [flag, raw] of Object.entries(argv)) {
    if (flag === 'config') continue;
    const setting = SETTINGS.find((s) => s.flag === flag);
    if (!setting) {
      const known = SETTINGS.flatMap((s) => (s.flag ? [`--${s.flag}`] : [])).join(', ');
      throw new VisageError('VSG_CONFIG_INVALID', `Unknown flag --${flag}; known: --config, ${known}.`);
    }
    setPath(target, setting.path, coerce({ setting, source: `--${flag}`, text: true }, raw, cwd));
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** Builds the configuration from defaults, file, environment and flags, in that order. */
export function loadConfig(sources: ConfigSources = {}): Config {
  const env = sources.env ?? process.env;
  const argv = sources.argv ?? {};
  const cwd = sources.cwd ?? process.cwd();
  const tree = structuredClone(DEFAULTS) as unknown as Tree;
  setPath(tree, 'dataDir', resolvePath(cwd, DEFAULTS.dataDir));
  setPath(tree, 'workers', availableParallelism());
  const flagFile = typeof argv.config === 'string' ? argv.config : undefined;
  const file = flagFile ?? sources.file ?? (env.VISAGE_CONFIG !== '' ? env.VISAGE_CONFIG : undefined);
  if (argv.config === true) throw new VisageError('VSG_CONFIG_INVALID', 'Flag --config needs a file path.');
  if (file !== undefined) {
    const path = resolvePath(cwd, file);
    applyFile(tree, readConfigFile(path), path, cwd);
  }
  applyEnv(tree, env, cwd);
  applyFlags(tree, argv, cwd);
  return deepFreeze(tree as unknown as Config);
}
