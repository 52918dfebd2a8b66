/**
 * The swarm in Node: `Swarm.start` with Node's socket transports (TCP and uTP on one port,
 * swarm-transports.ts) plugged in. Node entry points start swarms here; swarm.ts itself
 * imports no Node API, so the browser's engine worker runs it with WebRTC streams only.
 */
import { Swarm, type SwarmOptions } from './swarm';
import { bindListeners, dialFirst } from './swarm-transports';
import type { SocketTransports } from './transport';
import { closeUtp } from './utp';

/** TCP and uTP: uTP streams are closed with a FIN exchange (see closeUtp), others destroyed. */
export const nodeSockets: SocketTransports = {
  bindListeners,
  dialFirst,
  closeStream: (stream, transport) => {
    if (transport === 'utp') closeUtp(stream);
    else stream.destroy();
  },
};

/**
 * Starts a swarm for one share with TCP and uTP (both unless `transports` says otherwise;
 * `transports: []` makes it WebRTC-only), as `Swarm.start` documents.
 */
export function startSwarm(options: SwarmOptions): Promise<Swarm> {
  return Swarm.start({ ...options, sockets: options.sockets ?? nodeSockets });
}
