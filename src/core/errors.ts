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
  | 'missing' // an object that is needed but not stored
  | 'unsupported' // a version or feature this peer does not speak
  | 'changed' // a file no longer matches what the caller expected: rescan, never clobber it
  | 'paused' // the folder's root or marker is gone or permission was lost: sync pauses
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
