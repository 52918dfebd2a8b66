/**
 * A private Mainline DHT on loopback: plain bittorrent-dht nodes that know each other and
 * nothing else, for Peerfold's DHT discovery to bootstrap from.
 */
import DHT from 'bittorrent-dht';

export interface DhtNetwork {
  /** `host:port` of every node, to pass as `bootstrap`. */
  bootstrap: string[];
  close(): Promise<void>;
}

export async function startDhtNetwork(size = 3): Promise<DhtNetwork> {
  const nodes: DHT[] = [];
  for (let i = 0; i < size; i++) {
    const node = new DHT({ bootstrap: false });
    await new Promise<void>((resolve) => node.listen(0, '127.0.0.1', resolve));
    nodes.push(node);
  }
  for (const node of nodes) {
    for (const other of nodes) {
      if (other !== node) {
        node.addNode({ host: '127.0.0.1', port: other.address().port, id: other.nodeId });
      }
    }
  }
  return {
    bootstrap: nodes.map((node) => `127.0.0.1:${node.address().port}`),
    close: async () => {
      await Promise.all(nodes.map((node) => new Promise<void>((r) => node.destroy(r))));
    },
  };
}
