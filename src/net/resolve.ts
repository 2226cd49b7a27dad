// Turns a link's host into the one address Visage will connect to, after checking it. The connection is then made to
// exactly that address (see checkedLookup), so a name cannot resolve to a public address for the check and to a
// private one for the connection.
import { lookup } from 'node:dns/promises';
import type { LookupFunction } from 'node:net';
import { invalidOption, VisageError } from '../errors.js';
import { classifyAddress, isIpLiteral } from './address-policy.js';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to its addresses. Injectable so tests decide what a name resolves to. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (hostname) => {
  const found = await lookup(hostname, { all: true, verbatim: true });
  return found.map((entry) => ({ address: entry.address, family: entry.family === 6 ? 6 : 4 }));
};

const DEFAULT_PORTS: Readonly<Record<string, string>> = { 'http:': '80', 'https:': '443' };

/** "host:port" of a URL in the WHATWG parser's normal form, with the scheme's default port filled in. */
export function hostPortOf(url: URL): string {
  return `${url.hostname}:${url.port === '' ? (DEFAULT_PORTS[url.protocol] ?? '') : url.port}`;
}

/** Normalises allow-list entries ("localhost:8080", "127.0.0.1:9000", "[::1]:3000") the way URLs are normalised. */
export function normaliseAllowList(entries: readonly string[]): Set<string> {
  const normal = new Set<string>();
  for (const entry of entries) {
    const text = entry.trim();
    let url: URL | undefined;
    try {
      url = /:\d+$/.test(text) ? new URL(`http://${text}`) : undefined;
    } catch {
      url = undefined;
    }
    if (url === undefined || url.pathname !== '/' || url.username !== '') throw invalidOption('fetch.allow', 'a list of host:port', entry);
    normal.add(hostPortOf(url));
  }
  return normal;
}

// A host the URL parser did not take as an IP but that still looks numeric ("0x7f.1" with a trailing dot, etc.) could
// be read as an address by the system resolver's inet_aton; such names are never real DNS names, so refuse them.
function looksNumeric(hostname: string): boolean {
  const labels = hostname.replace(/\.$/, '').split('.');
  return labels.every((label) => /^(0x[0-9a-f]*|[0-9]+)$/i.test(label));
}

function forbidden(hostname: string, address: string, reason: string): VisageError {
  const via = address === hostname ? '' : ` (it resolves to a ${reason} address)`;
  return new VisageError(
    'VSG_URL_FORBIDDEN',
    via === '' ? `The link's host ${hostname} is a ${reason} address, which Visage does not fetch from.` : `The link's host ${hostname} is not fetched${via}.`,
  );
}

/**
 * Resolves the URL's host and checks every address it resolves to. Refuses the whole host when any address is
 * forbidden, unless the host:port is on the allow list. Returns the address to connect to.
 */
export async function resolveTarget(url: URL, allow: ReadonlySet<string>, resolver: Resolver): Promise<ResolvedAddress> {
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  const allowed = allow.has(hostPortOf(url));
  if (isIpLiteral(hostname)) {
    const verdict = classifyAddress(hostname);
    if (!verdict.allowed && !allowed) throw forbidden(hostname, hostname, verdict.reason);
    return { address: hostname, family: hostname.includes(':') ? 6 : 4 };
  }
  if (hostname === '' || looksNumeric(hostname)) {
    throw new VisageError('VSG_URL_INVALID', `The link's host "${hostname}" is not a valid host name.`);
  }
  let addresses: ResolvedAddress[];
  try {
    addresses = await resolver(hostname);
  } catch (error) {
    throw new VisageError('VSG_FETCH_FAILED', `The link's host ${hostname} could not be resolved.`, { cause: error });
  }
  const first = addresses[0];
  if (first === undefined) throw new VisageError('VSG_FETCH_FAILED', `The link's host ${hostname} has no address.`);
  if (!allowed) {
    for (const entry of addresses) {
      const verdict = classifyAddress(entry.address);
      if (!verdict.allowed) throw forbidden(hostname, entry.address, verdict.reason);
    }
  }
  return first;
}

/** A `lookup` for http(s).request that answers only with the address already checked, never asking DNS again. */
export function checkedLookup(target: ResolvedAddress): LookupFunction {
  return (_hostname, options, callback) => {
    if (typeof options === 'object' && options !== null && 'all' in options && options.all === true) {
      (callback as (err: null, addresses: ResolvedAddress[]) => void)(null, [target]);
      return;
    }
    callback(null, target.address, target.family);
  };
}
