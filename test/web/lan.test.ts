// In the hardened service a refused netlink socket made every request fail (EAFNOSUPPORT from
// os.networkInterfaces): the LAN check must fall back to the private ranges instead.
import t from 'tap';

t.test('without access to the interface list, private ranges still count as the LAN', async (t) => {
  const { isLanAddress } = await t.mockImport<typeof import('../../daemon/src/web/auth/lan.js')>('../../daemon/src/web/auth/lan.js', {
    'node:os': {
      networkInterfaces: () => {
        throw new Error('A system error occurred: uv_interface_addresses returned Unknown system error 97');
      },
    },
  });
  t.equal(isLanAddress('192.168.1.23'), true);
  t.equal(isLanAddress('::ffff:10.0.0.7'), true);
  t.equal(isLanAddress('127.0.0.1'), true);
  t.equal(isLanAddress('8.8.8.8'), false);
});
