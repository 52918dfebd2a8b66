/**
 * One error type with a closed set of codes (DESIGN.md section 10). `fatal` errors end the
 * object that raised them (a peer, a message); the others are warnings a caller may report.
 */
export type ErrorCode =
  | 'bad-capability' // a capability's text is mistyped, truncated or of an unknown kind
  | 'wrong-role' // an operation needs a stronger capability than the one given
  | 'bad-path' // a path that must never be written (.., absolute, NUL, reserved, ...)
  | 'malformed' // bytes that do not decode to what they claim to be
  | 'too-large' // over a size or count limit
  | 'bad-signature' // a head whose signature does not verify
  | 'bad-address' // content that does not hash to the address it was sent for
  | 'decrypt-failed' // ciphertext that does not open with the share's read key
  | 'protocol' // a well-formed message at the wrong time, or a rule of the session broken
  | 'unauthorized' // a peer that did not prove it holds the share
  | 'timeout' // a peer that did not finish the handshake, or left wants unanswered, in time
  | 'missing' // an object that is needed but not stored
  | 'unsupported' // a version or feature this peer does not speak
  | 'changed' // a file no longer matches what the caller expected: rescan, never clobber it
  | 'paused' // the folder's root or marker is gone or permission was lost: sync pauses
  | 'other-share' // the folder's marker names another share: it is never synced as this one
  | 'no-space' // the disk is full (ENOSPC, quota)
  | 'io'; // a disk or file system error (EIO, permission on one file, ...)

export class PeerfoldError extends Error {
  override readonly name = 'PeerfoldError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fatal = true,
  ) {
    super(message);
  }
}

export function isPeerfoldError(e: unknown, code?: ErrorCode): e is PeerfoldError {
  return e instanceof PeerfoldError && (code === undefined || e.code === code);
}

/**
 * Codes that mean the bytes came from a broken or hostile source: an honest peer running this
 * protocol never causes them. The transport may avoid a peer whose session ended with one.
 */
const MISBEHAVIOUR: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'bad-address',
  'bad-signature',
  'malformed',
  'too-large',
  'protocol',
  'unauthorized',
  'decrypt-failed',
  'bad-path',
]);

/**
 * Whether the error a session ended with blames the peer (worth avoiding it), as opposed to a
 * clean close (`undefined`), a slow or silent peer (`timeout`), a newer peer (`unsupported`) or a
 * failure on this side (`io`, `no-space`, ...). Sessions never end with `decrypt-failed` or
 * `bad-path` (they never open objects); those count as misbehaviour for a caller that can tie
 * them to one peer, but content inside a validly signed head is the writer's, not the relay's.
 */
export function isMisbehaviour(error: PeerfoldError | undefined): boolean {
  return error !== undefined && MISBEHAVIOUR.has(error.code);
}
