import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** scripts/lib/ts-loader.js and its V8 code cache: what every tool starts through. */
const LOADER = path.join(__dirname, '..', '..', 'scripts', 'lib', 'ts-loader.js');
const temporary: string[] = [];

afterAll(() => {
  for (const dir of temporary) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ts-loader-'));
  temporary.push(dir);
  return dir;
}

function node(...args: string[]): { status: number | null; out: string } {
  const result = spawnSync(process.execPath, ['-r', LOADER, ...args], { encoding: 'utf8' });
  return { status: result.status, out: `${result.stdout}${result.stderr}` };
}

describe('ts-loader', () => {
  test('GIVEN a module edited to another of the same length between runs WHEN loaded again THEN the new code runs, not the cached', () => {
    const module = path.join(tempDir(), 'answer.js');
    const load = `console.log(require(${JSON.stringify(module)}))`;
    fs.writeFileSync(module, "module.exports = 'one';\n");
    expect(node('-e', load).out).toBe('one\n');
    expect(node('-e', load).out).toBe('one\n');

    fs.writeFileSync(module, "module.exports = 'two';\n");

    expect(node('-e', load).out).toBe('two\n');
  });

  test('GIVEN a TypeScript tool WHEN run THEN it is transpiled and gets the require Node would give it', () => {
    const tool = path.join(tempDir(), 'tool.ts');
    fs.writeFileSync(tool, [
      "import * as path from 'path';",
      'const answer: number = 42;',
      'console.log(require.main === module, answer, path.basename(require.resolve(__filename)), typeof require.cache);',
    ].join('\n'));

    expect(node(tool)).toEqual({ status: 0, out: 'true 42 tool.ts object\n' });
  });

  test('GIVEN TypeScript with a syntax error WHEN run THEN it fails naming the file, line and column', () => {
    const tool = path.join(tempDir(), 'broken.ts');
    fs.writeFileSync(tool, 'const x: number = ;\n');

    const result = node(tool);

    expect(result.status).not.toBe(0);
    expect(result.out).toMatch(/broken\.ts:1:\d+: Expression expected/);
  });
});
