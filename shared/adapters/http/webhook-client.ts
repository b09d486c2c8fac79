import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import type { AddressPolicy, WebhookClient, WebhookPostResult } from '#ports/webhook';

/** Private, shared, link-local, metadata, multicast and reserved ranges: never a webhook target. */
const FORBIDDEN = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['169.254.0.0', 16], // link-local, 169.254.169.254 metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  FORBIDDEN.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['fc00::', 7], // unique local (fd00:ec2::254 metadata)
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  FORBIDDEN.addSubnet(net, bits, 'ipv6');
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

const HOSTS_REFUSED = new Set(['metadata.google.internal', 'metadata', 'metadata.tencentyun.com']);

/** Why an address may not be a webhook target, or undefined. IPv4-mapped IPv6 is judged as IPv4. */
export function forbiddenAddress(address: string, policy: AddressPolicy): string | undefined {
  const family = isIP(address);
  if (family === 0) return 'not an address';
  const mapped = family === 6 ? /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1] : undefined;
  const [addr, type] = mapped ? [mapped, 'ipv4' as const] : [address, family === 4 ? ('ipv4' as const) : ('ipv6' as const)];
  if (LOOPBACK.check(addr, type)) return policy.allowLoopback ? undefined : 'a loopback address';
  if (FORBIDDEN.check(addr, type)) return 'a private, link-local or metadata address';
  return undefined;
}

function schemeProblem(url: URL, policy: AddressPolicy): string | undefined {
  if (url.username || url.password) return 'credentials in the URL are not allowed';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && policy.allowLoopback) return undefined; // only to loopback, checked with the addresses
  return 'the URL must be https';
}

const hostOf = (url: URL) => url.hostname.replace(/^\[|\]$/g, '');

/** Resolves every address of a host (an address literal is itself). */
function resolveAll(host: string): Promise<LookupAddress[]> {
  if (isIP(host)) return Promise.resolve([{ address: host, family: isIP(host) }]);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('dns timeout')), DNS_TIMEOUT_MS);
    dnsLookup(host, { all: true, verbatim: true }, (err, addresses) => {
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(addresses);
    });
  });
}

const DNS_TIMEOUT_MS = 5_000;

function problemOf(url: URL, addresses: LookupAddress[], policy: AddressPolicy): string | undefined {
  if (addresses.length === 0) return 'the host has no address';
  for (const a of addresses) {
    const why = forbiddenAddress(a.address, policy);
    if (why) return `the host resolves to ${why}`;
    if (url.protocol === 'http:' && !LOOPBACK.check(a.address, isIP(a.address) === 4 ? 'ipv4' : 'ipv6')) return 'the URL must be https';
  }
  return undefined;
}

/** A DNS lookup for the connection itself that fails when any address is forbidden (no rebinding between check and connect). */
function guardedLookup(url: URL, policy: AddressPolicy): LookupFunction {
  return ((hostname: string, options: object, callback: (err: Error | null, address: string | LookupAddress[], family?: number) => void) => {
    resolveAll(hostname).then(
      (addresses) => {
        const why = problemOf(url, addresses, policy);
        if (why) return callback(Object.assign(new Error(why), { code: 'EFORBIDDENADDRESS' }), '', 0);
        if ((options as { all?: boolean }).all) return callback(null, addresses);
        callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (err: Error) => callback(err, '', 0),
    );
  }) as LookupFunction;
}

/** Node's http(s) client; answers within `timeoutMs` (default 10 s), never follows redirects, reads no body. */
export function createWebhookClient(options: { timeoutMs?: number } = {}): WebhookClient {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return {
    async check(raw, policy) {
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        return 'not a URL';
      }
      const scheme = schemeProblem(url, policy);
      if (scheme) return scheme;
      const host = hostOf(url).toLowerCase();
      if (HOSTS_REFUSED.has(host)) return 'a metadata host';
      try {
        return problemOf(url, await resolveAll(host), policy);
      } catch {
        return 'the host does not resolve';
      }
    },
    async post(raw, body, headers, policy) {
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        return { status: 0, error: 'not a URL' };
      }
      const problem = schemeProblem(url, policy) ?? (HOSTS_REFUSED.has(hostOf(url).toLowerCase()) ? 'a metadata host' : undefined);
      if (problem) return { status: 0, error: problem };
      const host = hostOf(url);
      // An address literal never goes through `lookup`: judge it here.
      if (isIP(host)) {
        const why = problemOf(url, [{ address: host, family: isIP(host) }], policy);
        if (why) return { status: 0, error: why };
      }
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const requestOptions: RequestOptions = {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'groupbuy-webhooks/1', 'content-length': String(Buffer.byteLength(body)), ...headers },
        lookup: guardedLookup(url, policy),
        timeout: timeoutMs,
      };
      return new Promise<WebhookPostResult>((resolve) => {
        const req = send(url, requestOptions, (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0 });
        });
        req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
        req.on('error', (e: Error & { code?: string }) => resolve({ status: 0, error: e.code === 'EFORBIDDENADDRESS' ? e.message : `no answer (${e.code ?? e.name})` }));
        req.end(body);
      });
    },
  };
}
