/**
 * What keeps this process alive, by kind (UDPWrap, TCPSocketWrap, Timeout, ...): a closed
 * adapter must leave every count where it was before the adapter started.
 */
export function openHandles(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo())
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

/** Waits until no kind has more open handles than in `baseline`; throws naming the excess. */
export async function untilHandlesBack(baseline: Map<string, number>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const now = openHandles();
    const excess = [...now].filter(([kind, n]) => n > (baseline.get(kind) ?? 0));
    if (excess.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(`still open: ${excess.map(([k, n]) => `${k} ${n}`).join(', ')}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}
