import { describe, expect, it } from 'vitest';
import { classifyAddress, parseIpv6 } from '../../src/net/address-policy.js';
import { parseLink } from '../../src/net/fetch-image.js';

const REFUSED: Array<[string, string]> = [
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['10.0.0.1', 'private'],
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['192.168.1.1', 'private'],
  ['169.254.169.254', 'link-local'],
  ['100.64.0.1', 'carrier-grade NAT'],
  ['100.127.255.255', 'carrier-grade NAT'],
  ['224.0.0.1', 'multicast'],
  ['239.255.255.250', 'multicast'],
  ['0.0.0.0', 'unspecified ("this network")'],
  ['0.1.2.3', 'unspecified ("this network")'],
  ['255.255.255.255', 'broadcast'],
  ['240.0.0.1', 'reserved'],
  ['192.0.0.8', 'reserved (IETF protocol assignments)'],
  ['192.0.2.10', 'documentation'],
  ['198.51.100.7', 'documentation'],
  ['203.0.113.9', 'documentation'],
  ['198.18.0.1', 'reserved (benchmarking)'],
  ['192.88.99.1', 'reserved (6to4 relay)'],
  ['::', 'unspecified'],
  ['::1', 'loopback'],
  ['::ffff:127.0.0.1', 'IPv4-mapped'],
  ['::ffff:7f00:1', 'IPv4-mapped'],
  ['::ffff:8.8.8.8', 'IPv4-mapped'],
  ['::ffff:0:a00:1', 'IPv4-translated'],
  ['::127.0.0.1', 'IPv4-compatible'],
  ['::a00:1', 'IPv4-compatible'],
  ['64:ff9b::a00:1', 'NAT64'],
  ['64:ff9b:1::1', 'NAT64 (local use)'],
  ['2002:7f00:1::1', '6to4'],
  ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo'],
  ['2001:db8::1', 'documentation'],
  ['3fff::1', 'documentation'],
  ['fc00::1', 'unique local (private)'],
  ['fd12:3456:789a::1', 'unique local (private)'],
  ['fe80::1', 'link-local'],
  ['fe80::1%eth0', 'link-local'],
  ['fec0::1', 'site-local'],
  ['ff02::1', 'multicast'],
  ['100::1', 'discard-only'],
  ['[::1]', 'loopback'],
  ['4000::1', 'reserved'],
];

describe('classifyAddress', () => {
  it.each(REFUSED)('refuses %s as %s', (address, reason) => {
    expect(classifyAddress(address)).toEqual({ allowed: false, reason });
  });

  it.each(['8.8.8.8', '1.1.1.1', '93.184.216.34', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '2a00:1450:4001:80b::200e'])(
    'allows the public address %s',
    (address) => {
      expect(classifyAddress(address)).toEqual({ allowed: true });
    },
  );

  it.each(['localhost', 'example.com', '2130706433', '0x7f.1', '1.2.3', ''])('refuses the non-address %s', (text) => {
    expect(classifyAddress(text).allowed).toBe(false);
  });

  it('parses IPv6 with an IPv4 tail into eight groups', () => {
    expect(parseIpv6('::ffff:127.0.0.1')).toEqual([0, 0, 0, 0, 0, 0xffff, 0x7f00, 1]);
    expect(parseIpv6('1:2:3:4:5:6:7:8')).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(parseIpv6('1::8')).toEqual([1, 0, 0, 0, 0, 0, 0, 8]);
  });
});

describe('every spelling of an IPv4 host ends up refused', () => {
  // The WHATWG URL parser turns each of these into the dotted quad; the policy then sees the real address.
  it.each([
    ['http://2130706433/', '127.0.0.1'],
    ['http://0177.0.0.1/', '127.0.0.1'],
    ['http://0x7f.1/', '127.0.0.1'],
    ['http://0x7f000001/', '127.0.0.1'],
    ['http://127.1/', '127.0.0.1'],
    ['http://127.0.1/', '127.0.0.1'],
    ['http://017700000001/', '127.0.0.1'],
    ['http://0/', '0.0.0.0'],
    ['http://012.0.0.1/', '10.0.0.1'],
    ['http://0xa9.0xfe.0xa9.0xfe/', '169.254.169.254'],
    ['http://2852039166/', '169.254.169.254'],
    ['http://[::ffff:127.0.0.1]/', '[::ffff:7f00:1]'],
    ['http://[0:0:0:0:0:0:0:1]/', '[::1]'],
    ['http://127.0.0.1./', '127.0.0.1'],
  ])('%s is host %s', (link, host) => {
    const url = parseLink(link);
    expect(url.hostname).toBe(host);
    expect(classifyAddress(url.hostname).allowed).toBe(false);
  });

  it('rejects links that are not http(s) or carry credentials', () => {
    for (const link of ['file:///etc/passwd', 'ftp://example.com/a.jpg', 'gopher://x/', 'data:image/png;base64,AAAA', 'http://user:pw@example.com/a.jpg', 'not a url', 'http://1.2.3.4.5/']) {
      expect(() => parseLink(link)).toThrowError(expect.objectContaining({ code: 'VSG_URL_INVALID' }));
    }
  });
});
