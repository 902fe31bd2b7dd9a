import * as fs from 'fs';
import * as path from 'path';
import * as os from 'os';
import { readmeCommand, renderReadme } from '../scripts/readme';

describe('README', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');

  test('GIVEN catalogue.ts WHEN the component list is generated THEN README.md already holds it (run npm run readme)', () => {
    expect(renderReadme(readme)).toBe(readme);
  });

  test('GIVEN a stale component list WHEN npm run readme runs THEN it updates it and says so, and the next run says it is up to date', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'readme-'));
    const file = path.join(dir, 'README.md');
    fs.writeFileSync(file, readme.replace(/\| traefik \| [^|]+ \|/, '| traefik | 0.0.1 |'));
    try {
      expect(readmeCommand(file)).toBe('README.md: the component list was updated from catalogue.ts; review and commit it\n');
      expect(fs.readFileSync(file, 'utf8')).toBe(readme);
      expect(readmeCommand(file)).toBe('README.md: the component list is up to date\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('GIVEN a README without markers WHEN rendered THEN the message says which markers to add', () => {
    expect(() => renderReadme('# x')).toThrow(/README.md lacks the markers/);
  });

  test('GIVEN the README WHEN read THEN its two fresh-machine commands are the ones package.json defines', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));
    expect(readme).toContain('npm ci && npm run synth');
    expect(readme).toMatch(/^npm test\s/m);
    expect(pkg.scripts.synth).toBeDefined();
    expect(pkg.scripts.test).toBeDefined();
  });
});
