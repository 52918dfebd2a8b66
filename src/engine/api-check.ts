/** Shape checks for the engine API's messages (api.ts): untrusted until these pass. */

export type Fields = Readonly<Record<string, 'string' | 'number' | 'boolean'>>;

export function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Whether every named field of `x` has the named `typeof`. */
export function hasFields(x: Record<string, unknown>, fields: Fields): boolean {
  return Object.entries(fields).every(([name, type]) => typeof x[name] === type);
}

export function isStringArray(x: unknown): x is string[] {
  return Array.isArray(x) && x.every((s) => typeof s === 'string');
}

export function isBlob(x: unknown): x is Blob {
  return typeof Blob !== 'undefined' && x instanceof Blob;
}

/** A directory handle as structured clone delivers it. */
export function isFolderHandle(x: unknown): boolean {
  return isObject(x) && x.kind === 'directory' && typeof x.name === 'string';
}

/** A transferred RTCDataChannel (the real class where the platform has one). */
export function isDataChannel(x: unknown): boolean {
  const Channel = (globalThis as { RTCDataChannel?: abstract new () => object }).RTCDataChannel;
  if (Channel) return x instanceof Channel;
  return isObject(x) && typeof x.label === 'string' && typeof x.readyState === 'string';
}
