/**
 * The DAG of known heads (DESIGN.md section 3). A head supersedes its parents and,
 * transitively, their ancestors; a parent supersedes by id even while its body is unknown.
 * The frontier is the set of known heads that no known head supersedes: since a known head
 * that supersedes another through a chain of heads also lists the chain's next link as a parent,
 * and a chain through an unknown head cannot be followed, a known head is superseded exactly
 * when some known head lists it as a parent. So `add` costs O(parents) and `frontier` O(size).
 *
 * Consistency: a head's seq must exceed every known parent's seq, whichever arrives first; a
 * head that breaks it is `malformed` and is not added.
 *
 * Refused heads: a validly signed head whose tree cannot be read (e.g. an index holding `../x`)
 * is taken out with `refuse` and never added again. Its parents return to the frontier unless a
 * known head still lists them (or the refused head has known children, which supersede them).
 */
import { compareBytes, toHex } from './bytes';
import type { WriteCapability } from './capability';
import type { DeviceId } from './entry';
import { PeerfoldError } from './errors';
import { MAX_HEAD_PARENTS, signHead, type HeadId, type SignedHead } from './head';
import type { Address } from './objects';

export class HeadGraph {
  private readonly heads = new Map<string, SignedHead>();
  /** Known children (by id) of every id listed as a parent by a known head. */
  private readonly children = new Map<string, string[]>();
  private readonly tips = new Set<string>();
  private readonly refusedIds = new Set<string>();

  get size(): number {
    return this.heads.size;
  }

  has(id: HeadId): boolean {
    return this.heads.has(toHex(id));
  }

  get(id: HeadId): SignedHead | undefined {
    return this.heads.get(toHex(id));
  }

  /** Every known head, in no particular order. */
  all(): SignedHead[] {
    return [...this.heads.values()];
  }

  /** Whether the head with this id was refused (it is never added again). */
  isRefused(id: HeadId): boolean {
    return this.refusedIds.has(toHex(id));
  }

  /** Ids (hex) of the refused heads. */
  refused(): string[] {
    return [...this.refusedIds];
  }

  /**
   * Refuses a head for good: removed if known, never added again. Returns false if it was
   * already refused.
   */
  refuse(id: HeadId): boolean {
    const hex = toHex(id);
    if (this.refusedIds.has(hex)) return false;
    this.refusedIds.add(hex);
    const signed = this.heads.get(hex);
    if (!signed) return true;
    this.heads.delete(hex);
    this.tips.delete(hex);
    const hasChildren = (this.children.get(hex) ?? []).some((c) => this.heads.has(c));
    for (const p of signed.head.parents.map(toHex)) {
      const rest = (this.children.get(p) ?? []).filter((c) => c !== hex);
      if (rest.length > 0) {
        this.children.set(p, rest);
        continue;
      }
      this.children.delete(p);
      if (this.heads.has(p) && !hasChildren) this.tips.add(p);
    }
    return true;
  }

  /** Adds a verified head; returns false when it was already known or was refused. */
  add(signed: SignedHead): boolean {
    const id = toHex(signed.id);
    if (this.heads.has(id) || this.refusedIds.has(id)) return false;
    const { seq, parents } = signed.head;
    const parentIds = parents.map(toHex);
    for (const p of parentIds) {
      const parent = this.heads.get(p);
      if (p === id) throw new PeerfoldError('malformed', 'head lists itself as a parent');
      if (parent && parent.head.seq >= seq) {
        throw new PeerfoldError('malformed', `head seq ${seq} is not above its parent's`);
      }
    }
    for (const c of this.children.get(id) ?? []) {
      if (this.heads.get(c)!.head.seq <= seq) {
        throw new PeerfoldError('malformed', `head seq ${seq} is not below its child's`);
      }
    }
    this.heads.set(id, signed);
    for (const p of parentIds) {
      const list = this.children.get(p);
      if (list) list.push(id);
      else this.children.set(p, [id]);
      this.tips.delete(p);
    }
    if (!this.children.has(id)) this.tips.add(id);
    return true;
  }

  /** The known heads that no known head supersedes, sorted by id. */
  frontier(): SignedHead[] {
    return [...this.tips].map((id) => this.heads.get(id)!).sort((a, b) => compareBytes(a.id, b.id));
  }

  /** Whether head `a` (known) supersedes the head with id `b` (known or not). */
  supersedes(a: HeadId, b: HeadId): boolean {
    const start = this.heads.get(toHex(a));
    if (!start) return false;
    const target = toHex(b);
    const floor = this.heads.get(target)?.head.seq ?? 0;
    const seen = new Set<string>();
    const stack = [start];
    while (stack.length > 0) {
      for (const p of stack.pop()!.head.parents) {
        const id = toHex(p);
        if (id === target) return true;
        if (seen.has(id)) continue;
        seen.add(id);
        const parent = this.heads.get(id);
        if (parent && parent.head.seq > floor) stack.push(parent);
      }
    }
    return false;
  }

  /**
   * A new head over the current frontier (at most the first 64 by id: merge exactly
   * `frontier().slice(0, MAX_HEAD_PARENTS)` into `root`), with seq one above the highest
   * parent's. It is returned, not added.
   */
  nextHead(cap: WriteCapability, root: Address, device: DeviceId, time: number): SignedHead {
    const parents = this.frontier().slice(0, MAX_HEAD_PARENTS);
    const seq = parents.reduce((m, p) => Math.max(m, p.head.seq), 0) + 1;
    return signHead(cap, { seq, parents: parents.map((p) => p.id), root, time, device });
  }
}
