/**
 * Global setup of the browser project: the project's own signaling/tracker server on loopback
 * (in Node), its WebSocket URL provided to the page as `signalingTrackerUrl`.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startSignalingServer } from '../../signaling/server';

declare module 'vitest' {
  export interface ProvidedContext {
    signalingTrackerUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startSignalingServer({
    port: 0,
    host: '127.0.0.1',
    appDir: join(tmpdir(), 'peerfold-no-app'), // the tests need the tracker only
    log: () => undefined,
  });
  project.provide('signalingTrackerUrl', `ws://127.0.0.1:${server.port}/announce`);
  return () => server.close();
}
