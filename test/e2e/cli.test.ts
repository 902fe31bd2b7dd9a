import { parseE2eArgs } from '../../scripts/e2e';
import { UsageError } from '../../scripts/lib/args';

/** `npm run e2e`'s command line (scripts/e2e.ts). */
describe('npm run e2e arguments', () => {
  function refusal(argv: readonly string[]): string {
    try {
      parseE2eArgs(argv);
    } catch (e) {
      expect(e).toBeInstanceOf(UsageError);
      return (e as Error).message.split('\n')[0];
    }
    throw new Error(`${JSON.stringify(argv)} was accepted`);
  }

  test('GIVEN no arguments WHEN parsed THEN it tests HEAD within 20 minutes, and keeps nothing running', () => {
    expect(parseE2eArgs([])).toEqual({ rev: 'HEAD', timeoutSeconds: 1200, keep: false, keepPort: 16443 });
  });

  test('GIVEN every option WHEN parsed THEN each is taken', () => {
    expect(parseE2eArgs(['--rev', 'HEAD~1', '--timeout=90s', '--report', '/tmp/r.json', '--keep', '--keep-port', '17443']))
      .toEqual({ rev: 'HEAD~1', timeoutSeconds: 90, report: '/tmp/r.json', keep: true, keepPort: 17443 });
    expect(parseE2eArgs(['--build-only'])).toBe('build-only');
    expect(parseE2eArgs(['--align-tools'])).toBe('align-tools');
    expect(parseE2eArgs(['--print-path'])).toBe('print-path');
    expect(parseE2eArgs(['--keep', '--help'])).toBe('help');
  });

  test.each([
    [['--timeout', '20'], "--timeout '20' is not a duration; write it like 20m or 900s"],
    [['--timeout', '0m'], "--timeout '0m' is not a duration; write it like 20m or 900s"],
    [['--keep-port', '16443'], '--keep-port needs --keep'],
    [['--keep', '--keep-port', '70000'], "--keep-port '70000' is not a port; give a number from 1 to 65535"],
    [['--rev', '--keep'], "--rev needs a value, got the flag '--keep'; write --rev REV (or --rev=REV for a value that starts with -)"],
    [['--rev', 'a', '--rev', 'b'], '--rev is given twice; give it once'],
    [['--scenario', 'upgrade'], "unknown option '--scenario'"],
    [['--build-only', '--keep'], '--build-only runs nothing else; give it without --keep'],
    [['--align-tools', '--rev', 'HEAD'], '--align-tools runs nothing else; give it without --rev'],
  ])('GIVEN %j WHEN parsed THEN it is refused: %s', (argv, message) => {
    expect(refusal(argv)).toBe(message);
  });
});
