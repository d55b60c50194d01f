// The unit a client address is counted in (failed logins, connections): an IPv4 address, or the
// /64 of an IPv6 address, because one IPv6 host commonly holds a whole /64.
import { isIPv6 } from 'node:net';

/** `::ffff:1.2.3.4` → `1.2.3.4`; `2001:db8:1:2:3:4:5:6` → `2001:db8:1:2::/64`; anything else as is. */
export function clientKey(ip: string): string {
  const bare = ip.replace(/%.*$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped) return mapped[1]!;
  if (!isIPv6(bare)) return bare;
  const [head = '', tail] = bare.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  // an embedded IPv4 tail takes two groups; it lies in the last 64 bits, which are dropped anyway
  const groups =
    tail === undefined ? h : [...h, ...Array<string>(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t];
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}
