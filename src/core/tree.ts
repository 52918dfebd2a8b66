/**
 * The index tree's public API (format and algorithms: tree-node.ts and tree-build.ts).
 */
export { buildTree, updateTree, type Mutation } from './tree-build';
export { decodeEntry, encodeEntry, type StoredEntry } from './tree-entry';
export {
  loadEntry,
  newStats,
  readNode,
  splitExtents,
  storeEntry,
  type TreeContext,
  type TreeStats,
} from './tree-io';
export { decodeNode, type DecodedNode, type NodeExpect } from './tree-decode';
export {
  keyHeight,
  MAX_NODE_BYTES,
  nodeLinks,
  treeKeys,
  type NodeLinks,
  type Ref,
  type TreeKeys,
} from './tree-node';
export {
  diffTrees,
  hasAnyPrefix,
  iterate,
  lookup,
  reachable,
  type Reachable,
  type TreeChange,
} from './tree-read';
