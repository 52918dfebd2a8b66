import { expect, it } from 'vitest';
import { toHex, utf8 } from '../../src/core/bytes';
import { IdbStateStore } from '../../src/storage/idb-state-store';
import { stateStoreContract } from './state-store-contract';

const freshName = (): string =>
  `peerfold-state-test-${toHex(crypto.getRandomValues(new Uint8Array(6)))}`;

stateStoreContract(
  'idb',
  () => {
    const name = freshName();
    const opened: IdbStateStore[] = [];
    const open = (): IdbStateStore => {
      const store = new IdbStateStore(name);
      opened.push(store);
      return store;
    };
    return Promise.resolve({
      store: open(),
      reopen: open,
      cleanup: async () => {
        await Promise.all(opened.map((s) => s.close()));
        await IdbStateStore.destroy(name);
      },
    });
  },
  { persistent: true },
);

it('IdbStateStore keeps one database per share and can delete it', async () => {
  const [a, b] = [freshName(), freshName()];
  const one = new IdbStateStore(a);
  const two = new IdbStateStore(b);
  await one.put('heads/main', utf8('one'));
  await two.put('heads/main', utf8('two'));
  expect(await one.keys()).toEqual(['heads/main']);
  expect(await new IdbStateStore(b).get('heads/main')).toEqual(utf8('two'));
  // Deleting a share's database while a store holds it open: the store lets go, not blocks.
  await IdbStateStore.destroy(a);
  expect(await one.get('heads/main')).toBeUndefined(); // reopened, empty
  expect(await two.get('heads/main')).toEqual(utf8('two'));
  await Promise.all([one.close(), two.close()]);
  await Promise.all([IdbStateStore.destroy(a), IdbStateStore.destroy(b)]);
});
