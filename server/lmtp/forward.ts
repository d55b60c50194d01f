// Forwarding by filter: the received bytes go on unchanged through the relay, with the Delivered-To
// line of this hop in front so a message that comes back is recognised (loop guard).
import type { Headers } from '../mime/header-fields.ts';
import type { Relay } from './relay.ts';
import { MAX_HOPS } from './limits.ts';

/** Why forwarding must not happen, or null. */
export function forwardBlocker(rcpt: string, h: Headers): string | null {
  const hops = h.all('delivered-to');
  if (hops.length >= MAX_HOPS) return 'too many hops';
  if (hops.some((v) => v.toLowerCase() === rcpt.toLowerCase()))
    return 'loop: already delivered to this address';
  return null;
}

export async function forward(
  relay: Relay,
  msg: { rcpt: string; targets: string[]; received: Buffer },
): Promise<void> {
  const raw = Buffer.concat([Buffer.from(`Delivered-To: ${msg.rcpt}\r\n`), msg.received]);
  // bounces of the forwarded copy go to the recipient who forwarded it, not to the original sender
  await relay.sendRaw({ from: msg.rcpt, to: msg.targets }, raw);
}
