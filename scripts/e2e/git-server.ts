/**
 * The repository the cluster follows, served over git's smart HTTP protocol on loopback by git's
 * own `git http-backend` (source-controller's go-git speaks no other HTTP protocol): a bare
 * repository in the run's directory whose branch is set to the commit under test with `serve`.
 * Every request is logged.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { close, listen } from './loopback';

export const REPOSITORY = 'stackspin.git';

export class GitServer {
  private server?: http.Server;
  readonly requests: string[] = [];

  constructor(private readonly root: string, private port: number, private readonly log: (line: string) => void) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/${REPOSITORY}`;
  }

  private get bare(): string {
    return path.join(this.root, REPOSITORY);
  }

  /** Sets `branch` of the served repository to `rev` of the checkout `repo`; returns the commit. */
  serve(repo: string, rev: string, branch: string): string {
    if (!fs.existsSync(this.bare)) git(['init', '--quiet', '--bare', this.bare], repo);
    const commit = git(['rev-parse', '--verify', `${rev}^{commit}`], repo).trim();
    git(['push', '--quiet', '--force', this.bare, `${commit}:refs/heads/${branch}`], repo);
    git(['symbolic-ref', 'HEAD', `refs/heads/${branch}`], this.bare);
    return commit;
  }

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.port = await listen(this.server, this.port, 'the git server', 'stop what uses it');
  }

  async stop(): Promise<void> {
    await close(this.server);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    this.requests.push(`${req.method} ${url.pathname}${url.search}`);
    const backend = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: this.root,
        GIT_HTTP_EXPORT_ALL: '1',
        REQUEST_METHOD: req.method ?? 'GET',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.replace(/^\?/, ''),
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        ...(req.headers['content-length'] ? { CONTENT_LENGTH: req.headers['content-length'] } : {}),
        ...(req.headers['git-protocol'] ? { GIT_PROTOCOL: String(req.headers['git-protocol']) } : {}),
        HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
        REMOTE_ADDR: req.socket.remoteAddress ?? '',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    req.pipe(backend.stdin);
    let head = Buffer.alloc(0);
    let headerDone = false;
    backend.stdout.on('data', (chunk: Buffer) => {
      if (headerDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n') >= 0 ? head.indexOf('\r\n\r\n') : head.indexOf('\n\n');
      if (end < 0) return;
      const separator = head.indexOf('\r\n\r\n') === end ? 4 : 2;
      let status = 200;
      for (const line of head.subarray(0, end).toString('utf8').split(/\r?\n/)) {
        const colon = line.indexOf(':');
        if (colon < 0) continue;
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === 'status') status = Number(value.split(' ')[0]);
        else res.setHeader(name, value);
      }
      res.statusCode = status;
      headerDone = true;
      res.write(head.subarray(end + separator));
    });
    let stderr = '';
    backend.stderr.on('data', (c: Buffer) => { stderr += c.toString('utf8'); });
    backend.on('close', (code) => {
      if (code !== 0) this.log(`git http-backend ${url.pathname}: exit ${code}: ${stderr.trim()}`);
      if (!headerDone) res.statusCode = 500;
      res.end();
    });
  }
}

function git(args: readonly string[], cwd: string): string {
  const result = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (result.error && (result.error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('git is missing: apt-get install -y git');
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr.trim().split('\n')[0]}`);
  return result.stdout;
}
