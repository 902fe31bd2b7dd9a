import { spawnSync } from 'child_process';
import * as path from 'path';

/**
 * The loopback trap (scripts/lib/loopback-trap.ts) that npm test and the e2e run inside: in a
 * network namespace of its own (this test makes one, so it needs root, as npm test's own
 * namespace does), a connection to another address is counted and named, and the verdict fails.
 */
describe('the loopback trap', () => {
  const trap = `node -r ${path.join(__dirname, '..', '..', 'scripts', 'lib', 'ts-loader.js')} ${path.join(__dirname, '..', '..', 'scripts', 'lib', 'loopback-trap.ts')}`;
  const inNamespace = (script: string) => spawnSync('unshare', ['--net', '--fork', 'bash', '-c', script], { encoding: 'utf8', timeout: 30_000 });

  test('GIVEN a process that dials an address outside loopback WHEN the verdict is asked THEN it fails, counting the packets and naming the socket', () => {
    const result = inNamespace(`set -e; d=$(mktemp -d); b=$(${trap} up); ${trap} watch "$d/sockets" & w=$!
      (exec 3<>/dev/tcp/10.1.2.3/80) >/dev/null 2>&1 & c=$!
      sleep 1.5; kill $c $w; wait $w || true; ${trap} verdict "$b" "$d/sockets" || s=$?; rm -rf "$d"; exit "\${s:-0}"`);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/^[1-9]\d* packets left loopback; sockets seen with a peer outside it:\n.*tcp +SYN-SENT .* 10\.1\.2\.3:80 /);
  });

  test('GIVEN only loopback traffic WHEN the verdict is asked THEN it passes', () => {
    const result = inNamespace(`set -e; b=$(${trap} up); node -e "require('net').createServer().listen(0, '127.0.0.1', function () { require('net').connect(this.address().port, '127.0.0.1', () => process.exit(0)); })"; ${trap} verdict "$b" /nonexistent`);
    expect(result.stdout.trim()).toBe('no packet left loopback, no socket had a peer outside it');
    expect(result.status).toBe(0);
  });
});
