/**
 * Reading V8 heap snapshots (`v8.writeHeapSnapshot`, the `.heapsnapshot` JSON format Chrome
 * DevTools reads) and diffing two of one process (bench/heap-diff.ts, issue 15). V8 keeps an
 * object's snapshot id across snapshots of the same process, so "added" is exact: the objects of
 * the second snapshot whose id the first does not have.
 *
 * Two views of what was added: by constructor (count and self size, the shallow size), and by
 * retainer: each added object is charged to the first object that existed before, found by
 * walking up its first strong retainer through added objects (an approximation of the dominator
 * tree that names the long-lived structure that grew: a Map of rooms, a client's buffers, …).
 */
import { readFileSync } from 'node:fs';

interface RawSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

export interface HeapGraph {
  count: number;
  ids: Float64Array;
  selfSize: Float64Array;
  /** What objects are grouped by: a constructor, `closure f`, `(string)`, `(code)`, … */
  label: string[];
  /** First strong retainer of each node (-1: none) and the name of that edge. */
  retainer: Int32Array;
  retainerEdge: string[];
}

const NOT_DATA = /^\((code|synthetic|object shape)\)/;
const STRINGS = new Set(['string', 'concatenated string', 'sliced string']);
/** Edges that do not keep their target alive, or are DevTools' shortcuts. */
const WEAK = new Set(['weak', 'shortcut']);

function labelOf(type: string, name: string): string {
  if (type === 'object' || type === 'native') return name;
  if (type === 'closure') return `closure ${name || '(anonymous)'}`;
  if (STRINGS.has(type)) return '(string)';
  if (type === 'array' || type === 'hidden' || type === 'code' || type === 'object shape') return `(${type}) ${name.slice(0, 40)}`;
  return `(${type})`;
}

export function readHeapSnapshot(file: string): HeapGraph {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as RawSnapshot;
  const { meta } = raw.snapshot;
  const nf = meta.node_fields.length;
  const ef = meta.edge_fields.length;
  const [fType, fName, fId, fSelf, fEdges] = ['type', 'name', 'id', 'self_size', 'edge_count'].map((f) => meta.node_fields.indexOf(f)) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const [eType, eName, eTo] = ['type', 'name_or_index', 'to_node'].map((f) => meta.edge_fields.indexOf(f)) as [number, number, number];
  const nodeTypes = meta.node_types[0];
  const edgeTypes = meta.edge_types[0];
  const count = raw.nodes.length / nf;
  const ids = new Float64Array(count);
  const selfSize = new Float64Array(count);
  const label = new Array<string>(count);
  const retainer = new Int32Array(count).fill(-1);
  const retainerEdge = new Array<string>(count).fill('');
  let edge = 0;
  for (let i = 0; i < count; i++) {
    const base = i * nf;
    ids[i] = raw.nodes[base + fId]!;
    selfSize[i] = raw.nodes[base + fSelf]!;
    label[i] = labelOf(nodeTypes[raw.nodes[base + fType]!]!, raw.strings[raw.nodes[base + fName]!]!);
    const edges = raw.nodes[base + fEdges]!;
    for (let e = 0; e < edges; e++, edge += ef) {
      const type = edgeTypes[raw.edges[edge + eType]!]!;
      if (WEAK.has(type)) continue;
      const to = raw.edges[edge + eTo]! / nf;
      if (retainer[to] !== -1 || to === i) continue;
      retainer[to] = i;
      const name = raw.edges[edge + eName]!;
      retainerEdge[to] = type === 'element' || type === 'hidden' ? `[${name}]` : raw.strings[name]!;
    }
  }
  return { count, ids, selfSize, label, retainer, retainerEdge };
}

export interface Row {
  label: string;
  count: number;
  bytes: number;
}

export interface HeapDiff {
  /** `dataBytes`: without compiled code, V8's internal shapes and synthetic roots (JIT warm-up, not a user's). */
  added: { count: number; bytes: number; dataBytes: number };
  byConstructor: Row[];
  byRetainer: Row[];
}

function top(map: Map<string, Row>, n: number): Row[] {
  return [...map.values()].sort((a, b) => b.bytes - a.bytes).slice(0, n);
}

function add(map: Map<string, Row>, label: string, bytes: number): void {
  const row = map.get(label) ?? { label, count: 0, bytes: 0 };
  row.count++;
  row.bytes += bytes;
  map.set(label, row);
}

/** `Owner.field → ` for a collection (its backing store says little on its own), else ''. */
function holder(g: HeapGraph, node: number): string {
  const label = g.label[node]!;
  if (!/^(Map|Set|WeakMap|Array|Object|\(array\).*)$/.test(label)) return '';
  const up = g.retainer[node]!;
  if (up === -1) return '';
  const outer = g.label[up]!.startsWith('(array)') && g.retainer[up]! !== -1 ? `${g.label[g.retainer[up]!]} .${g.retainerEdge[up]}` : g.label[up];
  return `${outer} .${g.retainerEdge[node]} → `;
}

/** What `after` has that `before` had not, grouped both ways; the `n` largest rows of each. */
export function diffHeaps(before: HeapGraph, after: HeapGraph, n = 15): HeapDiff {
  const old = new Set<number>();
  for (let i = 0; i < before.count; i++) old.add(before.ids[i]!);
  const isNew = (i: number) => !old.has(after.ids[i]!);
  const byConstructor = new Map<string, Row>();
  const byRetainer = new Map<string, Row>();
  let count = 0;
  let bytes = 0;
  let dataBytes = 0;
  for (let i = 0; i < after.count; i++) {
    if (!isNew(i)) continue;
    const size = after.selfSize[i]!;
    count++;
    bytes += size;
    if (!NOT_DATA.test(after.label[i]!)) dataBytes += size;
    add(byConstructor, after.label[i]!, size);
    // Up through added objects to the first one that was there before (at most 64 steps).
    let node = i;
    let path = '';
    for (let step = 0; step < 64; step++) {
      const up = after.retainer[node]!;
      if (up === -1) break;
      path = after.retainerEdge[node]!;
      node = up;
      if (!isNew(node)) break;
    }
    add(byRetainer, isNew(node) ? '(no older retainer)' : `${holder(after, node)}${after.label[node]} .${path}`, size);
  }
  return { added: { count, bytes, dataBytes }, byConstructor: top(byConstructor, n), byRetainer: top(byRetainer, n) };
}
