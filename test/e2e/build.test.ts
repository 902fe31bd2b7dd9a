import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildTools } from '../../scripts/e2e/build';
import { GoTool } from '../../scripts/e2e/go-tools';

/**
 * The e2e's build cache (scripts/e2e/build.ts), with the real go command on a module of its own
 * that needs nothing from the network (GOPROXY=off).
 */
describe('building the e2e tools', () => {
  let dir: string;
  const saved = { ...process.env };
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-build-'));
    process.env.STACKSPIN_E2E_CACHE = path.join(dir, 'cache');
    process.env.GOPROXY = 'off';
    process.env.GOFLAGS = '-mod=mod';
  });
  afterEach(() => {
    process.env = { ...saved };
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function fakeTool(source: string): GoTool {
    const moduleDir = path.join(dir, 'hello');
    fs.mkdirSync(moduleDir, { recursive: true });
    fs.writeFileSync(path.join(moduleDir, 'go.mod'), 'module example.org/hello\n\ngo 1.26.0\n\nrequire example.org/hello v1.2.3\n\nreplace example.org/hello => ./\n');
    fs.writeFileSync(path.join(moduleDir, 'go.sum'), '');
    fs.writeFileSync(path.join(moduleDir, 'main.go'), source);
    return { name: 'hello', module: 'example.org/hello', binaries: { hello: '.' }, stamp: (v) => [`-X main.version=${v}`], dir: moduleDir };
  }

  const entries = (): string[] => (fs.existsSync(process.env.STACKSPIN_E2E_CACHE!) ? fs.readdirSync(process.env.STACKSPIN_E2E_CACHE!).filter((e) => e !== 'logs') : []);

  test('GIVEN a tool WHEN built twice THEN the first builds it stamped with its version and the second takes it from the cache', () => {
    const tool = fakeTool('package main\n\nvar version = "none"\n\nfunc main() { println(version) }\n');
    const lines: string[] = [];
    const first = buildTools((l) => lines.push(l), [tool]);
    const second = buildTools((l) => lines.push(l), [tool]);
    expect(lines).toEqual(['hello v1.2.3: building (hello)', expect.stringMatching(/^hello v1\.2\.3: built in \d+ s$/), 'hello v1.2.3: cached']);
    expect(second.bin('hello')).toBe(first.bin('hello'));
    expect(spawnSync(first.bin('hello'), { encoding: 'utf8' }).stderr.trim()).toBe('v1.2.3');
    expect(entries()).toEqual([path.basename(path.dirname(first.bin('hello')))]);
  });

  test('GIVEN a tool that does not compile WHEN built THEN one line names the binary, the tool and the log, and the cache holds nothing of it', () => {
    const tool = fakeTool('package main\n\nfunc main() { undefined() }\n');
    const log = path.join(process.env.STACKSPIN_E2E_CACHE!, 'logs', 'hello.log');
    expect(() => buildTools(() => undefined, [tool])).toThrow(new RegExp(`^building hello \\(hello v1\\.2\\.3\\) failed: .*undefined: undefined; the whole output is in ${log}\\. Nothing was cached`));
    expect(fs.readFileSync(log, 'utf8')).toContain('undefined: undefined');
    expect(entries()).toEqual([]);
  });

  test('GIVEN no go command WHEN building THEN one line says what to install, and nothing is written', () => {
    process.env.PATH = '/nonexistent';
    expect(() => buildTools(() => undefined, [fakeTool('package main\n\nfunc main() {}\n')]))
      .toThrow(/^go is missing: install Go 1\.26 or newer \(https:\/\/go\.dev\/dl\/; Debian 13: apt-get install -y golang-go\); the e2e builds its control plane from Go modules$/);
    expect(entries()).toEqual([]);
  });
});
