/**
 * Catching whatever leaves loopback, for runs inside a network namespace of their own (the e2e,
 * and npm test when it can make one): besides loopback the namespace holds one interface,
 * `outside`, with the default route. `outside` leads nowhere (its veth peer sits in the same
 * namespace and answers nothing), so whatever tries to leave loopback (a DNS lookup, a download
 * that skipped a proxy, a call to a Service address) sends its packets there, where they are
 * counted, and its socket stays open long enough for the watcher to name the process.
 *
 * scripts/test.sh uses it as a command: `up` (set up the trap, test it, print the count after the
 * test), `watch FILE` (append each foreign socket to FILE, until killed) and
 * `verdict BASELINE FILE` (exit 1, naming the packets and sockets, when anything left loopback).
 */
import { execFile, spawnSync } from 'child_process';
import * as dgram from 'dgram';
import * as fs from 'fs';

export function ip(args: string): void {
  const result = spawnSync('ip', args.split(' '), { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`ip ${args} failed: ${(result.stderr || result.error?.message || '').trim()}`);
}

/** Brings up loopback and the trap interface `outside`; call once, inside a new network namespace. */
export function setUpTrap(): void {
  ip('link set lo up');
  ip('link add outside type veth peer name sink');
  // IPv6 would make the interfaces send router solicitations of their own.
  for (const device of ['outside', 'sink']) fs.writeFileSync(`/proc/sys/net/ipv6/conf/${device}/disable_ipv6`, '1');
  ip('addr add 192.0.2.1/24 dev outside');
  ip('link set outside up');
  ip('link set sink up');
  ip('neigh add 192.0.2.2 lladdr 02:00:00:00:00:02 dev outside');
  ip('route add default via 192.0.2.2 dev outside');
}

/**
 * Proves the trap counts: one datagram to an address outside loopback must show up on it. Returns
 * the count after it, which later counts are compared with.
 */
export async function testTrap(): Promise<number> {
  const before = packetsOut();
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => socket.send('e2e trap test', 9, '192.0.2.2', (e) => (e ? reject(e) : resolve())));
  socket.close();
  for (let i = 0; i < 20 && packetsOut() === before; i++) await new Promise((r) => setTimeout(r, 50));
  const after = packetsOut();
  if (after === before) throw new Error('the trap interface counted no packet for a datagram sent to 192.0.2.2; the run could not see traffic leaving loopback');
  return after;
}

/** Packets sent to the trap interface so far. */
export function packetsOut(): number {
  const result = spawnSync('ip', ['-s', '-j', 'link', 'show', 'outside'], { encoding: 'utf8' });
  const [link] = JSON.parse(result.stdout) as { stats64: { tx: { packets: number } } }[];
  return link.stats64.tx.packets;
}

export interface ForeignSocket {
  readonly time: string;
  readonly socket: string;
}

const SS_ARGS = ['-H', '-t', '-u', '-a', '-n', '-p'];

const LOOPBACK = /^(127\.|\[?::1\]?|\*|0\.0\.0\.0|\[?::\]?|\[::ffff:127\.)/;

/** Every socket with a peer outside loopback, seen by sampling `ss` every second. */
export class SocketWatcher {
  readonly seen: ForeignSocket[] = [];
  private timer?: NodeJS.Timeout;

  /** Samples every second, without blocking the process (the e2e's servers answer from it). */
  start(): void {
    this.timer = setInterval(() => execFile('ss', SS_ARGS, { encoding: 'utf8' }, (_, stdout) => this.record(stdout ?? '')), 1000);
  }

  /** Stops sampling, after one last look. */
  stop(): void {
    clearInterval(this.timer);
    this.sample();
  }

  sample(): void {
    this.record(spawnSync('ss', SS_ARGS, { encoding: 'utf8' }).stdout ?? '');
  }

  private record(output: string): void {
    for (const line of output.split('\n').filter((l) => l.trim() !== '')) {
      const fields = line.trim().split(/\s+/);
      const peer = fields[5] ?? '';
      if (LOOPBACK.test(peer)) continue;
      if (!this.seen.some((s) => s.socket === line.trim())) this.seen.push({ time: new Date().toISOString(), socket: line.trim() });
    }
  }
}

/** The command scripts/test.sh runs. */
async function trapCommand(argv: readonly string[]): Promise<number> {
  const [command, ...args] = argv;
  if (command === 'up' && args.length === 0) {
    setUpTrap();
    process.stdout.write(`${await testTrap()}\n`);
    return 0;
  }
  if (command === 'watch' && args.length === 1) {
    const watcher = new SocketWatcher();
    const write = (): void => fs.writeFileSync(args[0], watcher.seen.map((s) => `${s.time} ${s.socket}\n`).join(''));
    watcher.start();
    setInterval(write, 1000);
    process.on('SIGTERM', () => { watcher.stop(); write(); process.exit(0); });
    return new Promise(() => undefined);
  }
  if (command === 'verdict' && args.length === 2) {
    const packets = packetsOut() - Number(args[0]);
    const sockets = fs.existsSync(args[1]) ? fs.readFileSync(args[1], 'utf8').trim() : '';
    if (packets === 0 && sockets === '') {
      process.stdout.write('no packet left loopback, no socket had a peer outside it\n');
      return 0;
    }
    process.stdout.write(`${packets} packets left loopback; sockets seen with a peer outside it:\n${sockets || '(none caught)'}\n`);
    return 1;
  }
  process.stderr.write('usage: loopback-trap.ts up | watch FILE | verdict BASELINE FILE\n');
  return 2;
}

if (require.main === module) void trapCommand(process.argv.slice(2)).then((code) => { process.exitCode = code; });
