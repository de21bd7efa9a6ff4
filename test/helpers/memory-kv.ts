/** An in-memory KeyValueStore for pure tests (the store's semantics: values copied, list by prefix in key order). */
import type { KeyValueStore } from '../../src/core/bridge.js';

export function memoryKv(): KeyValueStore & { map: Map<string, unknown> } {
  const map = new Map<string, unknown>();
  return {
    map,
    get: <T>(k: string) => map.get(k) as T | undefined,
    set: (k, v) => void map.set(k, structuredClone(v)),
    delete: (k) => void map.delete(k),
    list: <T>(prefix: string) =>
      [...map.entries()]
        .filter(([k]) => k.startsWith(prefix))
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([key, value]) => ({ key, value: value as T })),
  };
}
