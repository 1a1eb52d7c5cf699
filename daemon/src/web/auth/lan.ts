/** Is a peer address on the local network (or this machine)? First-start setup is only allowed from there. */
import { BlockList, isIPv4, isIPv6 } from 'node:net';

const lan = new BlockList();
lan.addSubnet('127.0.0.0', 8, 'ipv4');
lan.addSubnet('10.0.0.0', 8, 'ipv4');
lan.addSubnet('172.16.0.0', 12, 'ipv4');
lan.addSubnet('192.168.0.0', 16, 'ipv4');
lan.addSubnet('169.254.0.0', 16, 'ipv4');
lan.addAddress('::1', 'ipv6');
lan.addSubnet('fc00::', 7, 'ipv6');
lan.addSubnet('fe80::', 10, 'ipv6');

export function isLanAddress(address: string | undefined): boolean {
  if (!address) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const ip = (mapped?.[1] ?? address).split('%')[0] ?? '';
  if (isIPv4(ip)) return lan.check(ip, 'ipv4');
  if (isIPv6(ip)) return lan.check(ip, 'ipv6');
  return false;
}
