// Decides whether Visage may connect to an IP address when it fetches a photo by link. Anything that is not a plain
// public unicast address is refused: the server must never be turned into a probe of its own network.
import { isIP } from 'node:net';

/** Whether Visage may connect to an address, and if not, which kind of address it is. */
export type AddressVerdict = { allowed: true } | { allowed: false; reason: string };

interface Range4 {
  base: number;
  bits: number;
  reason: string;
}

interface Range6 {
  prefix: readonly number[]; // leading 16-bit groups
  bits: number;
  reason: string;
}

function ip4(text: string): number {
  const parts = text.split('.').map(Number);
  return (((parts[0] ?? 0) << 24) | ((parts[1] ?? 0) << 16) | ((parts[2] ?? 0) << 8) | (parts[3] ?? 0)) >>> 0;
}

// IANA IPv4 special-purpose registry (RFC 6890 and successors), every block that is not globally reachable unicast.
const IPV4_RANGES: readonly Range4[] = [
  { base: ip4('0.0.0.0'), bits: 8, reason: 'unspecified ("this network")' },
  { base: ip4('10.0.0.0'), bits: 8, reason: 'private' },
  { base: ip4('100.64.0.0'), bits: 10, reason: 'carrier-grade NAT' },
  { base: ip4('127.0.0.0'), bits: 8, reason: 'loopback' },
  { base: ip4('169.254.0.0'), bits: 16, reason: 'link-local' },
  { base: ip4('172.16.0.0'), bits: 12, reason: 'private' },
  { base: ip4('192.0.0.0'), bits: 24, reason: 'reserved (IETF protocol assignments)' },
  { base: ip4('192.0.2.0'), bits: 24, reason: 'documentation' },
  { base: ip4('192.31.196.0'), bits: 24, reason: 'reserved (AS112)' },
  { base: ip4('192.52.193.0'), bits: 24, reason: 'reserved (AMT)' },
  { base: ip4('192.88.99.0'), bits: 24, reason: 'reserved (6to4 relay)' },
  { base: ip4('192.168.0.0'), bits: 16, reason: 'private' },
  { base: ip4('192.175.48.0'), bits: 24, reason: 'reserved (AS112)' },
  { base: ip4('198.18.0.0'), bits: 15, reason: 'reserved (benchmarking)' },
  { base: ip4('198.51.100.0'), bits: 24, reason: 'documentation' },
  { base: ip4('203.0.113.0'), bits: 24, reason: 'documentation' },
  { base: ip4('224.0.0.0'), bits: 4, reason: 'multicast' },
  { base: ip4('255.255.255.255'), bits: 32, reason: 'broadcast' },
  { base: ip4('240.0.0.0'), bits: 4, reason: 'reserved' },
];

// IPv6: only global unicast (2000::/3) can be public; inside it, these blocks are special. The forms that embed an
// IPv4 address (mapped, compatible, NAT64, 6to4, Teredo) are refused outright rather than unwrapped: a public server
// has no reason to be reached through them, and unwrapping is where checks usually go wrong.
const IPV6_RANGES: readonly Range6[] = [
  { prefix: [0, 0, 0, 0, 0, 0, 0, 0], bits: 128, reason: 'unspecified' },
  { prefix: [0, 0, 0, 0, 0, 0, 0, 1], bits: 128, reason: 'loopback' },
  { prefix: [0, 0, 0, 0, 0, 0xffff], bits: 96, reason: 'IPv4-mapped' },
  { prefix: [0, 0, 0, 0, 0xffff, 0], bits: 96, reason: 'IPv4-translated' },
  { prefix: [0, 0, 0, 0, 0, 0], bits: 96, reason: 'IPv4-compatible' },
  { prefix: [0x64, 0xff9b, 0, 0, 0, 0], bits: 96, reason: 'NAT64' },
  { prefix: [0x64, 0xff9b, 1], bits: 48, reason: 'NAT64 (local use)' },
  { prefix: [0x100, 0, 0, 0], bits: 64, reason: 'discard-only' },
  { prefix: [0x2001, 0], bits: 32, reason: 'Teredo' },
  { prefix: [0x2001, 0xdb8], bits: 32, reason: 'documentation' },
  { prefix: [0x2001, 0], bits: 23, reason: 'reserved (IETF protocol assignments)' },
  { prefix: [0x2002], bits: 16, reason: '6to4' },
  { prefix: [0x3fff, 0], bits: 20, reason: 'documentation' },
  { prefix: [0x5f00], bits: 16, reason: 'reserved (SRv6)' },
  { prefix: [0xfc00], bits: 7, reason: 'unique local (private)' },
  { prefix: [0xfe80], bits: 10, reason: 'link-local' },
  { prefix: [0xfec0], bits: 10, reason: 'site-local' },
  { prefix: [0xff00], bits: 8, reason: 'multicast' },
];

function matches4(value: number, range: Range4): boolean {
  const mask = range.bits === 0 ? 0 : (0xffffffff << (32 - range.bits)) >>> 0;
  return ((value & mask) >>> 0) === ((range.base & mask) >>> 0);
}

function matches6(groups: readonly number[], range: Range6): boolean {
  let bitsLeft = range.bits;
  for (let i = 0; i < 8 && bitsLeft > 0; i += 1) {
    const take = Math.min(16, bitsLeft);
    const mask = (0xffff << (16 - take)) & 0xffff;
    if (((groups[i] ?? 0) & mask) !== ((range.prefix[i] ?? 0) & mask)) return false;
    bitsLeft -= take;
  }
  return true;
}

/** Parses a canonical dotted-quad IPv4 address (as isIP accepts it) into a 32-bit number. */
function parseIpv4(text: string): number | undefined {
  if (isIP(text) !== 4) return undefined;
  return ip4(text);
}

/** Parses an IPv6 address (optionally with an embedded IPv4 tail or a zone) into eight 16-bit groups. */
export function parseIpv6(text: string): number[] | undefined {
  const bare = text.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (isIP(bare) !== 6) return undefined;
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes its two hex groups so one parser handles every form.
  const body = bare.toLowerCase().replace(/(\d+\.\d+\.\d+\.\d+)$/, (tail) => {
    const value = ip4(tail);
    return `${(value >>> 16).toString(16)}:${(value & 0xffff).toString(16)}`;
  });
  const [head = '', rest] = body.split('::');
  const toGroups = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const left = toGroups(head);
  const right = rest === undefined ? [] : toGroups(rest);
  const fill = 8 - left.length - right.length;
  if ((rest === undefined && fill !== 0) || fill < 0) return undefined;
  return [...left, ...new Array<number>(fill).fill(0), ...right];
}

/** Classifies one IP address literal (IPv4 dotted quad or IPv6, brackets allowed). Non-IP text is refused. */
export function classifyAddress(address: string): AddressVerdict {
  const v4 = parseIpv4(address);
  if (v4 !== undefined) {
    const hit = IPV4_RANGES.find((range) => matches4(v4, range));
    return hit ? { allowed: false, reason: hit.reason } : { allowed: true };
  }
  const v6 = parseIpv6(address);
  if (v6 === undefined) return { allowed: false, reason: 'not an IP address' };
  const hit = IPV6_RANGES.find((range) => matches6(v6, range));
  if (hit) return { allowed: false, reason: hit.reason };
  // Outside 2000::/3 nothing is assigned as global unicast.
  if (((v6[0] ?? 0) & 0xe000) !== 0x2000) return { allowed: false, reason: 'reserved' };
  return { allowed: true };
}

/** True when the text is an IP literal (IPv4 dotted quad or IPv6, with or without brackets). */
export function isIpLiteral(host: string): boolean {
  return isIP(host.replace(/^\[|\]$/g, '').replace(/%.*$/, '')) !== 0;
}
