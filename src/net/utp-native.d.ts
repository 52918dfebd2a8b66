/** The parts of utp-native (CommonJS, no types) that src/net uses. */
declare module 'utp-native' {
  import type { Duplex } from 'node:stream';

  export interface UtpConnection extends Duplex {
    destroyed: boolean;
    remoteAddress: string;
    remotePort: number;
    on(event: 'connect' | 'close' | 'end' | 'finish', listener: () => void): this;
    on(event: 'error', listener: (error: Error) => void): this;
    on(event: 'data', listener: (chunk: Uint8Array) => void): this;
    once(event: 'connect' | 'close', listener: () => void): this;
    once(event: 'error', listener: (error: Error) => void): this;
    off(event: string, listener: (...args: never[]) => void): this;
  }

  /** One UDP socket: listens for and dials uTP connections (the socket API of the README). */
  export interface UtpSocket {
    readonly connections: UtpConnection[];
    maxConnections: number;
    listen(port: number, host: string, onListening?: () => void): void;
    connect(port: number, host: string): UtpConnection;
    address(): { address: string; port: number; family: string };
    close(onClose?: () => void): void;
    ref(): void;
    unref(): void;
    on(event: 'connection', listener: (connection: UtpConnection) => void): this;
    on(event: 'listening' | 'close', listener: () => void): this;
    on(event: 'error', listener: (error: Error) => void): this;
    once(event: 'listening' | 'close', listener: () => void): this;
    once(event: 'error', listener: (error: Error) => void): this;
    off(event: string, listener: (...args: never[]) => void): this;
  }

  interface Utp {
    (options?: { allowHalfOpen?: boolean }): UtpSocket;
    createServer(
      options?: { allowHalfOpen?: boolean },
      onConnection?: (connection: UtpConnection) => void,
    ): UtpSocket;
    /** A one-off connection from its own UDP socket, closed with the connection. */
    connect(port: number, host?: string, options?: { allowHalfOpen?: boolean }): UtpConnection;
  }
  const utp: Utp;
  export default utp;
}
