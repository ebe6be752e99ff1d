// The client IP: the socket's address, or X-Forwarded-For only when the
// socket is a configured trusted proxy (nginx on the same host).
import { BlockList, isIP } from 'node:net';

export function createProxyList(cidrs: string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address, bits] = cidr.split('/') as [string, string | undefined];
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  return list;
}

export function inNetwork(list: BlockList, address: string): boolean {
  const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
  if (isIP(address) === 0) return false;
  return list.check(address, type);
}

export function resolveClientIp(socketAddress: string, forwardedFor: string | undefined, trusted: BlockList): string {
  let address = socketAddress.replace(/^::ffff:/, '');
  if (!forwardedFor || !inNetwork(trusted, address)) return address;
  // Walk from the nearest hop back, skipping our own proxies.
  const hops = forwardedFor.split(',').map((hop) => hop.trim()).filter((hop) => isIP(hop) !== 0);
  for (let i = hops.length - 1; i >= 0; i--) {
    address = hops[i]!.replace(/^::ffff:/, '');
    if (!inNetwork(trusted, address)) return address;
  }
  return address;
}
