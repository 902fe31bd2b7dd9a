import * as net from 'net';
import { preflight } from '../../scripts/e2e';
import { close, listen } from '../../scripts/e2e/loopback';

/** The e2e's refusals before anything starts: one line naming the problem and the fix. */
describe('the e2e refuses early', () => {
  test('GIVEN a machine without the tools the run needs WHEN it starts THEN each missing tool is one line with its install command', () => {
    let message = '';
    try {
      preflight({ PATH: '/nonexistent' });
    } catch (e) {
      message = (e as Error).message;
    }
    const lines = message.split('\n');
    expect(lines).toContain('go is missing: install Go 1.26 or newer (https://go.dev/dl/; Debian 13: apt-get install -y golang-go)');
    expect(lines).toContain('unshare is missing: apt-get install -y util-linux');
    expect(lines).toContain('ip is missing: apt-get install -y iproute2');
    expect(lines.every((l) => / is missing: /.test(l))).toBe(true);
  });

  test('GIVEN a port in use WHEN a server of the run listens there THEN one line names the port and the way out', async () => {
    const taken = net.createServer();
    const port = await listen(taken, 0, 'something', 'never');
    try {
      await expect(listen(net.createServer(), port, '--keep', 'pick another with --keep-port PORT'))
        .rejects.toThrow(`port ${port} on 127.0.0.1 is in use, so --keep cannot listen there; pick another with --keep-port PORT`);
    } finally {
      await close(taken);
    }
  });
});
