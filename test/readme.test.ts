import * as fs from 'fs';
import * as path from 'path';
import { renderReadme } from '../scripts/readme';

describe('README', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');

  test('GIVEN catalogue.ts WHEN the component list is generated THEN README.md already holds it (run npm run readme)', () => {
    expect(renderReadme(readme)).toBe(readme);
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
