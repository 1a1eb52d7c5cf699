/**
 * Is a peer on the local network (or this machine)? First-start setup is only allowed from
 * there. "Local" is: private and link-local ranges, plus any subnet this machine is on, so a
 * phone using the home network's global IPv6 prefix counts too.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { networkInterfaces } from 'node:os';

const PRIVATE: [string, number, 'ipv4' | 'ipv6'][] = [
  ['127.0.0.0', 8, 'ipv4'], ['10.0.0.0', 8, 'ipv4'], ['172.16.0.0', 12, 'ipv4'], ['192.168.0.0', 16, 'ipv4'], ['169.254.0.0', 16, 'ipv4'],
  ['::1', 128, 'ipv6'], ['fc00::', 7, 'ipv6'], ['fe80::', 10, 'ipv6'],
];

export type InterfaceList = ReturnType<typeof networkInterfaces>;

function lanList(interfaces: InterfaceList): BlockList {
  const list = new BlockList();
  for (const [net, prefix, family] of PRIVATE) list.addSubnet(net, prefix, family);
  for (const addrs of Object.values(interfaces)) {
    for (const a of addrs ?? []) {
      const prefix = Number(a.cidr?.split('/')[1]);
      if (Number.isInteger(prefix)) list.addSubnet(a.address, prefix, a.family === 'IPv4' ? 'ipv4' : 'ipv6');
    }
  }
  return list;
}

/**
 * The box's own interfaces, read at each call (addresses change when Wi-Fi comes and goes).
 * Reading them needs a netlink socket; if that is refused (a sandbox without AF_NETLINK), the
 * private ranges alone decide rather than every request failing.
 */
function ownInterfaces(): InterfaceList {
  try {
    return networkInterfaces();
  } catch {
    return {};
  }
}

/** tests pass their own `interfaces` */
export function isLanAddress(address: string | undefined, interfaces: InterfaceList = ownInterfaces()): boolean {
  if (!address) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const ip = (mapped?.[1] ?? address).split('%')[0] ?? '';
  const list = lanList(interfaces);
  if (isIPv4(ip)) return list.check(ip, 'ipv4');
  if (isIPv6(ip)) return list.check(ip, 'ipv6');
  return false;
}
