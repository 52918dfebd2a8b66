/**
 * IP address literals as bytes and back (for compact peer lists), and the few classes of
 * address the swarm treats specially. Hostnames are not IP literals: parseIp gives undefined.
 * Pure (no Node API), so the swarm runs in a browser too.
 */

/** One decimal 0-255 without leading zeros, as Node's net.isIPv4 takes it. */
const IPV4_PART = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]\d|\d)$/;
const IPV6_GROUP = /^[0-9a-f]{1,4}$/i;

function isIPv4(host: string): boolean {
  const parts = host.split('.');
  return parts.length === 4 && parts.every((p) => IPV4_PART.test(p));
}

function isIPv6(host: string): boolean {
  let text = host;
  let tailGroups = 0;
  const tail = text.slice(text.lastIndexOf(':') + 1);
  if (tail.includes('.')) {
    // a dotted IPv4 tail stands for the last two groups
    if (!isIPv4(tail)) return false;
    text = text.slice(0, -tail.length);
    tailGroups = 2;
    if (!text.endsWith('::'))
      text = text.slice(0, -1); // drop the separator before the tail
    else if (text === '::') return true;
  }
  const halves = text.split('::');
  if (halves.length > 2) return false;
  const groups = halves.flatMap((h) => (h === '' ? [] : h.split(':')));
  if (!groups.every((g) => IPV6_GROUP.test(g))) return false;
  const count = groups.length + tailGroups;
  // '::' stands for at least one zero group
  return halves.length === 2 ? count <= 7 : count === 8;
}

/**
 * 4 for an IPv4 literal, 6 for IPv6, else 0: the answers of Node's net.isIP, except that an
 * IPv6 zone id (`fe80::1%eth0`) is refused (it names an interface of the peer's own machine).
 */
export function isIP(host: string): 0 | 4 | 6 {
  if (isIPv4(host)) return 4;
  return host.includes(':') && isIPv6(host) ? 6 : 0;
}

/** 4 bytes for an IPv4 literal, 16 for IPv6 (IPv4-mapped forms included), else undefined. */
export function parseIp(host: string): Uint8Array | undefined {
  const family = isIP(host);
  if (family === 4) return Uint8Array.from(host.split('.'), Number);
  if (family !== 6) return undefined;
  let text = host.toLowerCase();
  const out = new Uint8Array(16);
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail) {
    // a dotted IPv4 tail stands for the last two groups
    const [a, b, c, d] = tail[1]!.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, -tail[1]!.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const groups = (s: string | undefined): number[] =>
    s ? s.split(':').map((g) => parseInt(g, 16)) : [];
  const front = groups(head);
  const back = groups(rest);
  const all = [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
  all.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/** The text of 4 or 16 address bytes; IPv6 in its canonical (shortest) form. */
export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return bytes.join('.');
  const groups = Array.from({ length: 8 }, (_, i) =>
    ((bytes[2 * i]! << 8) | bytes[2 * i + 1]!).toString(16),
  );
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}

/** 127.0.0.0/8, ::1 and localhost: an address only this machine can reach. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}
