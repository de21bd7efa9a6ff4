import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { diffHeaps, readHeapSnapshot } from '../../bench/lib/heap-snapshot.js';

// The .heapsnapshot layout V8 writes (node_fields, edge_fields and their type tables).
const NODE_TYPES = ['hidden', 'array', 'string', 'object', 'code', 'closure', 'regexp', 'number', 'native', 'synthetic'];
const EDGE_TYPES = ['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'];

interface N {
  type: string;
  name: string;
  id: number;
  size: number;
  edges: Array<[type: string, name: string | number, to: number]>;
}

/** A snapshot of `nodes` (edges name targets by their index in `nodes`). */
function snapshot(nodes: N[]): string {
  const strings: string[] = [];
  const str = (s: string) => (strings.includes(s) ? strings.indexOf(s) : strings.push(s) - 1);
  const flatNodes = nodes.flatMap((n) => [NODE_TYPES.indexOf(n.type), str(n.name), n.id, n.size, n.edges.length, 0, 0]);
  const flatEdges = nodes.flatMap((n) => n.edges.flatMap(([t, name, to]) => [EDGE_TYPES.indexOf(t), typeof name === 'number' ? name : str(name), to * 7]));
  return JSON.stringify({
    snapshot: {
      meta: {
        node_fields: ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness'],
        node_types: [NODE_TYPES],
        edge_fields: ['type', 'name_or_index', 'to_node'],
        edge_types: [EDGE_TYPES],
      },
    },
    nodes: flatNodes,
    edges: flatEdges,
    strings,
  });
}

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function write(nodes: N[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-heap-'));
  dirs.push(dir);
  const file = join(dir, 'x.heapsnapshot');
  writeFileSync(file, snapshot(nodes));
  return file;
}

describe('heap snapshot diff (bench/heap-diff.ts)', () => {
  it('counts only objects whose id the first snapshot lacks, and charges them to the first older strong retainer', () => {
    const root: N = { type: 'synthetic', name: '(GC roots)', id: 1, size: 0, edges: [['property', 'registry', 1]] };
    const registry: N = { type: 'object', name: 'SessionRegistry', id: 3, size: 24, edges: [['property', 'sessions', 2]] };
    const map: N = { type: 'object', name: 'Map', id: 5, size: 32, edges: [['internal', 'table', 3]] };
    const oldSession: N = { type: 'object', name: 'IrcSession', id: 9, size: 80, edges: [] };
    const before = [root, registry, map, { type: 'array', name: '', id: 7, size: 40, edges: [['element', 0, 4]] } as N, oldSession];
    // After: the Map's table was reallocated (a new id) to hold a second session, which has a buffer;
    // a weak edge from the root to the buffer keeps nothing alive and must not be its retainer.
    const after: N[] = [
      { ...root, edges: [['weak', 0, 6], ...root.edges] },
      registry,
      map,
      {
        type: 'array',
        name: '',
        id: 17,
        size: 56,
        edges: [
          ['element', 0, 4],
          ['element', 1, 5],
        ],
      },
      oldSession,
      { type: 'object', name: 'IrcSession', id: 11, size: 80, edges: [['property', 'buffer', 6]] },
      { type: 'string', name: 'xyz', id: 15, size: 100, edges: [] },
    ];
    const diff = diffHeaps(readHeapSnapshot(write(before)), readHeapSnapshot(write(after)));
    expect(diff.added).toEqual({ count: 3, bytes: 56 + 80 + 100, dataBytes: 56 + 80 + 100 });
    expect(diff.byConstructor).toEqual([
      { label: '(string)', count: 1, bytes: 100 },
      { label: 'IrcSession', count: 1, bytes: 80 },
      { label: '(array) ', count: 1, bytes: 56 },
    ]);
    // All three hang from the Map (the table, the session in it, its buffer), held by the registry.
    expect(diff.byRetainer).toEqual([{ label: 'SessionRegistry .sessions → Map .table', count: 3, bytes: 236 }]);
  });

  it('compiled code is added bytes but not data bytes (JIT warm-up is no user cost)', () => {
    const root: N = { type: 'synthetic', name: '(GC roots)', id: 1, size: 0, edges: [] };
    const code: N = { type: 'code', name: '', id: 21, size: 500, edges: [] };
    const diff = diffHeaps(readHeapSnapshot(write([root])), readHeapSnapshot(write([{ ...root, edges: [['internal', 'code', 1]] }, code])));
    expect(diff.added).toEqual({ count: 1, bytes: 500, dataBytes: 0 });
  });
});
