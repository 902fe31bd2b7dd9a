import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ProcessExited, Supervisor } from '../../scripts/e2e/processes';

/** The e2e's process supervisor (scripts/e2e/processes.ts), with real child processes. */
describe('the e2e supervisor', () => {
  let dir: string;
  let supervisor: Supervisor;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'supervisor-'));
    supervisor = new Supervisor(dir);
  });
  afterEach(async () => {
    await supervisor.stopAll(0.3);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('GIVEN a process the run needs WHEN it exits THEN the run fails with one line: its name, its exit code, its last log line and the log', async () => {
    const failed = new Promise<ProcessExited>((resolve) => supervisor.onUnexpectedExit(resolve));
    await supervisor.start('source-controller', 'sh', { args: ['-c', 'echo starting; echo "unable to start manager" >&2; exit 3'] });
    const error = await failed;
    expect(error.message).toBe(`source-controller exited with code 3 while the run needed it, so the run stopped; its last line: "unable to start manager"; its log: ${path.join(dir, 'source-controller.log')}`);
    expect(supervisor.failed).toBe(error);
  });

  test('GIVEN a process that never answers WHEN waited for THEN the message names it, the seconds and its last line', async () => {
    await expect(supervisor.start('etcd', 'sh', { args: ['-c', 'echo listening nowhere; sleep 30'], ready: async () => false, readyTimeoutSeconds: 1 }))
      .rejects.toThrow(`etcd did not answer within 1 s; its last line: "listening nowhere"; its log: ${path.join(dir, 'etcd.log')}`);
  });

  test('GIVEN a process killed by a signal WHEN it dies THEN the message says which signal', async () => {
    const failed = new Promise<ProcessExited>((resolve) => supervisor.onUnexpectedExit(resolve));
    await supervisor.start('helm-controller', 'sleep', { args: ['30'] });
    process.kill(supervisor.pid('helm-controller')!, 'SIGKILL');
    expect((await failed).message).toMatch(/^helm-controller was killed by SIGKILL while the run needed it, so the run stopped/);
  });

  test('GIVEN running processes and a script that ends by itself WHEN the script ends and everything is stopped THEN nothing counts as a failure and nothing is left running', async () => {
    await supervisor.start('etcd', 'sleep', { args: ['30'] });
    await supervisor.start('kube-apiserver', 'sh', { args: ['-c', 'trap "" TERM; sleep 30'] });
    const script = await supervisor.start('bootstrap', 'sh', { args: ['-c', 'exit 0'], endsByItself: true });
    expect(await script.exited).toBe(0);
    const pids = ['etcd', 'kube-apiserver'].map((n) => supervisor.pid(n)!);
    await supervisor.stopAll(0.3);
    expect(supervisor.alive).toEqual([]);
    expect(supervisor.failed).toBeUndefined();
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  });

  test('GIVEN a command that does not exist WHEN started THEN its exit is reported like any other', async () => {
    const failed = new Promise<ProcessExited>((resolve) => supervisor.onUnexpectedExit(resolve));
    await supervisor.start('kwok', path.join(dir, 'no-such-binary'), { args: [] });
    expect((await failed).message).toMatch(/^kwok could not start \(ENOENT\) while the run needed it, so the run stopped; its last line: "spawn .*no-such-binary ENOENT"/);
  });
});
