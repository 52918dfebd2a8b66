import { beforeAll } from 'vitest';
import { initCrypto } from '../src/core/crypto';

beforeAll(async () => {
  await initCrypto();
});
