import { expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes';
import type { EngineEvent } from '../../src/engine/api';
import { WorkerHost } from '../../src/worker/host';
import { hasShareStorage, lockName, objectsDir } from '../../src/worker/share-storage';

/** A host whose replies are awaited by request number. */
function hostWithReplies() {
  const replies = new Map<number, (event: EngineEvent) => void>();
  const host = new WorkerHost((event) => {
    if (event.type === 'reply') replies.get(event.request)?.(event);
  });
  let next = 1;
  const leave = (share: string): Promise<EngineEvent> => {
    const request = next++;
    const reply = new Promise<EngineEvent>((resolve) => replies.set(request, resolve));
    host.handle({ type: 'leave', share, request });
    return reply;
  };
  return { leave };
}

it('leaving a share this tab does not run keeps its storage while another tab runs it', async () => {
  const id = toHex(crypto.getRandomValues(new Uint8Array(20)));
  await objectsDir(id); // the share's storage, as a tab that ran it left it
  const { leave } = hostWithReplies();

  // Another tab runs the share: it holds the share's lock until it lets go.
  let letGo = (): void => undefined;
  let granted = (): void => undefined;
  const held = new Promise<void>((resolve) => (granted = resolve));
  const released = navigator.locks.request(lockName(id), () => {
    granted();
    return new Promise<void>((release) => (letGo = release));
  });
  await held;

  const refused = await leave(id);
  expect(refused).toMatchObject({ type: 'reply', ok: false });
  expect(refused.type === 'reply' && refused.problem).toMatch(/open in another tab/);
  expect(await hasShareStorage(id)).toBe(true);

  letGo();
  await released;
  expect(await leave(id)).toMatchObject({ type: 'reply', ok: true });
  expect(await hasShareStorage(id)).toBe(false);
});
