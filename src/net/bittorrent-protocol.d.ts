/** The parts of bittorrent-protocol (which ships no types) that src/net uses. */
declare module 'bittorrent-protocol' {
  export interface WireExtension {
    onMessage?(buf: Uint8Array): void;
  }
  export interface WireExtensionClass {
    new (wire: Wire): WireExtension;
    prototype: { name: string };
  }

  export default class Wire {
    constructor();
    destroyed: boolean;
    peerExtendedMapping: Record<string, number>;
    /** Extra keys of our extended handshake (BEP 10), e.g. `p`; set before it is sent. */
    extendedHandshake: Record<string, unknown>;
    /** The peer's extended handshake, decoded but unchecked: untrusted. */
    peerExtendedHandshake: Record<string, unknown>;
    handshake(infoHash: Uint8Array, peerId: Uint8Array, extensions?: { dht?: boolean }): void;
    use(extension: WireExtensionClass): void;
    extended(ext: string | number, payload: Uint8Array): void;
    destroy(): void;
    /** Sends a BitTorrent keep-alive (an empty message). */
    keepAlive(): void;
    /** Internal: whether our handshake went out (nothing may precede it on the wire). */
    _handshakeSent: boolean;
    pipe<T extends NodeJS.WritableStream>(destination: T): T;
    on(
      event: 'handshake',
      listener: (infoHash: string, peerId: string, extensions: { extended: boolean }) => void,
    ): this;
    on(event: 'extended', listener: (ext: string | number, payload: unknown) => void): this;
    on(event: 'close' | 'end' | 'finish', listener: () => void): this;
    on(event: 'error', listener: (error: unknown) => void): this;
    /** Internal: queues bytes already framed as whole messages (net/framed-sink.ts). */
    _push(data: Uint8Array): void;
    /** Internal: called with each 4-byte message length prefix; wrapped to bound message size. */
    _onMessageLength(buffer: Uint8Array): void;
    /** Internal, the readable side's parser state (net/wire-parse.ts replaces `_write`). */
    _write(data: Uint8Array, done: (error: Error | null) => void): void;
    _buffer: Uint8Array[];
    _bufferSize: number;
    _parserSize: number;
    _parser: (message: Uint8Array) => void;
    /** Internal (streamx): asked for more once the readable side holds less than its mark. */
    _read(cb: (error?: Error | null) => void): void;
    /** Internal (streamx): bytes queued on the readable side, not yet taken by its transport. */
    _readableState: { buffered: number };
    /** Internal: set only by the peer-encryption (MSE/PE) handshake, which Peerfold never starts. */
    _encryptor: unknown;
    _cryptoSyncPattern: Uint8Array | null;
    _pePending: boolean;
  }
}
