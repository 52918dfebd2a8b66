import { PeerfoldError } from '../../src/core/errors';

/** The outcome of `f`: 'ok', or the code of the PeerfoldError it threw (anything else fails). */
export function outcome(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof PeerfoldError) return e.code;
    throw e;
  }
  return 'ok';
}

/** The PeerfoldError `f` throws; anything else, or nothing, fails the test. */
export function errorOf(f: () => unknown): PeerfoldError {
  try {
    f();
  } catch (e) {
    if (e instanceof PeerfoldError) return e;
    throw e;
  }
  throw new Error('expected a PeerfoldError');
}
