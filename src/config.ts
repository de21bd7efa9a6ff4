/**
 * Loading the YAML config: `${VAR}` interpolation from the environment, the core schema, then
 * each enabled bridge's schema. Every problem is collected and reported at once with its path
 * and its line in the file.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import type { ZodError } from 'zod';
import type { BridgeDefinition, BridgeRegistry } from './core/bridge.js';
import { coreConfigSchema, type BridgeEntry, type CoreConfig } from './config-schema.js';
import { parseSecretKey, readSecretKeyFile } from './core/secrets.js';

export interface ConfigProblem {
  path: string;
  message: string;
  line?: number;
}

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
  ) {
    super(
      `${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n` +
        problems.map((p) => `  ${p.path || '(root)'}${p.line ? ` (line ${p.line})` : ''}: ${p.message}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

export interface LoadedBridge {
  id: string;
  entry: BridgeEntry;
  definition: BridgeDefinition;
  options: unknown;
}

export interface LoadedConfig {
  file: string;
  core: CoreConfig;
  bridges: LoadedBridge[];
  /** The registry the bridges were looked up in; a reload uses it again. */
  registry: BridgeRegistry;
  /** The key of per-user secrets (`secrets`), read and checked at load; absent when none is configured. */
  secretKey?: Buffer;
}

/** The key `secrets` names (its file relative to the config file), or a problem. */
function loadSecretKey(secrets: CoreConfig['secrets'], file: string): Buffer | ConfigProblem | undefined {
  try {
    if (secrets.key_file) return readSecretKeyFile(resolve(dirname(file), secrets.key_file));
    if (secrets.key) return parseSecretKey(secrets.key, 'secrets.key');
    return undefined;
  } catch (err) {
    return { path: secrets.key_file ? 'secrets.key_file' : 'secrets.key', message: (err as Error).message };
  }
}

type PathKey = string | number;

/** Replace `${VAR}` in every string scalar; an unset variable is a problem at that node. */
function interpolate(doc: Document, env: NodeJS.ProcessEnv, lines: LineCounter, problems: ConfigProblem[], mayStayUnset: (path: string) => boolean): void {
  const walk = (node: unknown, path: PathKey[]): void => {
    if (isMap(node) || isSeq(node)) {
      node.items.forEach((item, i) => {
        if (isMap(node)) {
          const pair = item as { key: unknown; value: unknown };
          const key = isScalar(pair.key) ? String(pair.key.value) : String(i);
          walk(pair.value, [...path, key]);
        } else walk(item, [...path, i]);
      });
    } else if (isScalar(node) && typeof node.value === 'string') {
      node.value = node.value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (match, name: string) => {
        const value = env[name];
        if (value === undefined && mayStayUnset(path.join('.'))) return match;
        if (value === undefined) {
          problems.push({ path: path.join('.'), message: `environment variable ${name} is not set`, ...lineOf(node, lines) });
          return '';
        }
        return value;
      });
    }
  };
  walk(doc.contents, []);
}

function lineOf(node: YamlNode | null | undefined, lines: LineCounter): { line?: number } {
  const start = node?.range?.[0];
  return start === undefined ? {} : { line: lines.linePos(start).line };
}

/** The line of the deepest node of `path` that exists in the document (its key's line in a map). */
function lineOfPath(doc: Document, path: PathKey[], lines: LineCounter): { line?: number } {
  for (let n = path.length; n >= 0; n--) {
    const parent = n > 0 ? doc.getIn(path.slice(0, n - 1), true) : undefined;
    const pair = isMap(parent) ? parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(path[n - 1])) : undefined;
    if (pair && isScalar(pair.key)) return lineOf(pair.key, lines);
    const node = doc.getIn(path.slice(0, n), true) as YamlNode | undefined;
    if (node && typeof node === 'object' && 'range' in node) return lineOf(node, lines);
  }
  return {};
}

function zodProblems(err: ZodError, prefix: PathKey[], doc: Document, lines: LineCounter): ConfigProblem[] {
  return err.issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
    // A typo'd key: one problem per key, on the key's own line.
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: path.join('.'), message: `Unrecognized key: "${key}"`, ...lineOfPath(doc, [...path, key], lines) }));
    }
    return [{ path: path.join('.'), message: issue.message, ...lineOfPath(doc, path, lines) }];
  });
}

function isDefinition(value: unknown): value is BridgeDefinition {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return typeof v.id === 'string' && typeof v.create === 'function' && typeof v.configSchema === 'object' && typeof v.identity === 'object';
}

/** Import a bridge module named in the config: an npm package, or a path relative to the file. */
async function loadModule(spec: string, configFile: string): Promise<BridgeDefinition> {
  const target = spec.startsWith('.') || isAbsolute(spec) ? pathToFileURL(resolve(dirname(configFile), spec)).href : spec;
  const mod = (await import(target)) as Record<string, unknown>;
  const candidate = mod.bridge ?? mod.default;
  if (!isDefinition(candidate)) {
    throw new Error(`module ${spec} does not export a BridgeDefinition as \`bridge\` (id, identity, configSchema, create)`);
  }
  return candidate;
}

/** The bridge entries of a config whose core did not validate, as far as they can be read. */
function rawBridgeEntries(raw: unknown): Record<string, BridgeEntry> {
  const bridges = (raw as { bridges?: unknown } | null)?.bridges;
  if (!bridges || typeof bridges !== 'object') return {};
  const entries: Record<string, BridgeEntry> = {};
  for (const [id, value] of Object.entries(bridges as Record<string, unknown>)) {
    if (!value || typeof value !== 'object') continue;
    const v = value as Record<string, unknown>;
    entries[id] = {
      enabled: v.enabled !== false,
      domain: typeof v.domain === 'string' ? v.domain : '',
      component_secret: '',
      ...(typeof v.module === 'string' ? { module: v.module } : {}),
      options: v.options,
    };
  }
  return entries;
}

function disabledBridges(raw: unknown): string[] {
  const bridges = (raw as { bridges?: unknown } | null)?.bridges;
  if (!bridges || typeof bridges !== 'object') return [];
  return Object.entries(bridges as Record<string, { enabled?: unknown } | null>)
    .filter(([, v]) => v?.enabled === false)
    .map(([id]) => id);
}

/**
 * Parse and validate a config text. `file` is used in messages and to resolve module paths;
 * `registry` names the built-in bridges (the CLI passes bridges/index.ts).
 */
export async function parseConfig(text: string, file: string, registry: BridgeRegistry, env: NodeJS.ProcessEnv = process.env): Promise<LoadedConfig> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true });
  const problems: ConfigProblem[] = doc.errors.map((e) => ({
    path: '',
    message: e.message.split('\n')[0] ?? e.message,
    ...(e.linePos?.[0] ? { line: e.linePos[0].line } : {}),
  }));
  if (problems.length) throw new ConfigError(file, problems);
  // A disabled bridge's ${VAR}s may stay unset (its secrets are not needed): kept as written.
  const disabled = disabledBridges(doc.toJS());
  interpolate(doc, env, lines, problems, (path) => disabled.some((id) => path.startsWith(`bridges.${id}.`)));
  const parsed = coreConfigSchema.safeParse(doc.toJS() ?? {});
  if (!parsed.success) {
    // An unset ${VAR} already explains the empty value at its path.
    const known = new Set(problems.map((p) => p.path));
    problems.push(...zodProblems(parsed.error, [], doc, lines).filter((p) => !known.has(p.path)));
  }
  // The bridges are checked even when the core has problems, so one run reports every problem.
  const entries = parsed.success ? parsed.data.bridges : rawBridgeEntries(doc.toJS());
  const bridges: LoadedBridge[] = [];
  const domains = new Map<string, string>();
  for (const [id, entry] of Object.entries(entries)) {
    if (!entry.enabled) continue;
    const other = domains.get(entry.domain);
    if (other && entry.domain) problems.push({ path: `bridges.${id}.domain`, message: `domain ${entry.domain} is already used by bridge ${other}`, ...lineOfPath(doc, ['bridges', id, 'domain'], lines) });
    domains.set(entry.domain, id);
    let definition: BridgeDefinition | undefined;
    if (entry.module) {
      try {
        definition = await loadModule(entry.module, file);
      } catch (err) {
        problems.push({ path: `bridges.${id}.module`, message: (err as Error).message, ...lineOfPath(doc, ['bridges', id, 'module'], lines) });
        continue;
      }
    } else {
      const load = Object.hasOwn(registry, id) ? registry[id] : undefined;
      definition = load && (await load());
      if (!definition) {
        const known = Object.keys(registry).join(', ');
        problems.push({ path: `bridges.${id}`, message: `unknown bridge "${id}" (built in: ${known}; or set \`module\`)`, ...lineOfPath(doc, ['bridges', id], lines) });
        continue;
      }
    }
    const options = definition.configSchema.safeParse(entry.options ?? {});
    if (!options.success) {
      problems.push(...zodProblems(options.error, ['bridges', id, 'options'], doc, lines));
      continue;
    }
    bridges.push({ id, entry, definition, options: options.data });
  }
  const secretKey = parsed.success ? loadSecretKey(parsed.data.secrets, file) : undefined;
  if (secretKey && !Buffer.isBuffer(secretKey)) problems.push({ ...secretKey, ...lineOfPath(doc, secretKey.path.split('.'), lines) });
  if (!parsed.success || problems.length) throw new ConfigError(file, problems);
  return { file, core: parsed.data, bridges, registry, ...(Buffer.isBuffer(secretKey) ? { secretKey } : {}) };
}

export async function loadConfig(file: string, registry: BridgeRegistry, env: NodeJS.ProcessEnv = process.env): Promise<LoadedConfig> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [{ path: '', message: `cannot read the file: ${(err as Error).message}` }]);
  }
  return parseConfig(text, file, registry, env);
}
