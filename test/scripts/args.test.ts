import { ArgSpec, parseArgs, UsageError } from '../../scripts/lib/args';

/** The one argument parser of every TypeScript command (scripts/lib/args.ts). */
const SPEC: ArgSpec = {
  usage: 'usage: tool [--branch NAME] [--dry-run] [FILE]\n',
  options: { '--branch': 'NAME' },
  flags: ['--dry-run'],
  positionals: { max: 1, name: 'FILE' },
};

function refusal(argv: readonly string[], spec: ArgSpec = SPEC): string {
  try {
    parseArgs(argv, spec);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error(`${JSON.stringify(argv)} was accepted`);
}

describe('command-line arguments', () => {
  test('GIVEN an option followed by a flag WHEN parsed THEN the flag is not taken as the value, and the message says how to write it', () => {
    expect(refusal(['--branch', '--dry-run'])).toBe(
      "--branch needs a value, got the flag '--dry-run'; write --branch NAME (or --branch=NAME for a value that starts with -)\nusage: tool [--branch NAME] [--dry-run] [FILE]",
    );
  });

  test('GIVEN --opt=VALUE WHEN parsed THEN any value is taken, even one that starts with -', () => {
    const args = parseArgs(['--branch=-weird', '--dry-run', 'file'], SPEC);
    expect(args.options.get('--branch')).toBe('-weird');
    expect(args.flags.has('--dry-run')).toBe(true);
    expect(args.positionals).toEqual(['file']);
  });

  test('GIVEN --opt VALUE WHEN parsed THEN the value is taken', () => {
    expect(parseArgs(['--branch', 'main'], SPEC).options.get('--branch')).toBe('main');
  });

  test.each([
    [['--branch'], '--branch needs a value; write --branch NAME'],
    [['--branch='], '--branch needs a value, got an empty one; write --branch NAME'],
    [['--branch', 'a', '--branch', 'b'], '--branch is given twice; give it once'],
    [['--dry-run=yes'], '--dry-run takes no value; write --dry-run alone'],
    [['--force'], "unknown option '--force'"],
    [['-x'], "unknown option '-x'"],
    [['a', 'b'], "too many arguments: 'b'; give at most 1 FILE"],
    [['--branch', '--', 'x'], '--branch needs a value; write --branch NAME'],
  ])('GIVEN %j WHEN parsed THEN it is refused: %s', (argv, message) => {
    expect(refusal(argv)).toContain(message);
  });

  test('GIVEN a command without positionals WHEN one is given THEN it is refused as unexpected', () => {
    expect(refusal(['/nonexistent'], { usage: 'usage: graph\n' })).toBe("unexpected argument '/nonexistent'; this command takes only options\nusage: graph");
  });

  test('GIVEN too few positionals WHEN parsed THEN the missing one is named', () => {
    expect(refusal([], { usage: 'u', positionals: { min: 1, max: 1, name: '<git-ref>' } })).toBe('missing <git-ref>\nu');
  });

  test('GIVEN -h or --help anywhere WHEN parsed THEN help is asked, even beside garbage or after --', () => {
    expect(parseArgs(['--help'], SPEC).help).toBe(true);
    expect(parseArgs(['--bogus', '-h'], SPEC).help).toBe(true);
    expect(parseArgs(['--', '--help'], SPEC).help).toBe(true);
  });

  test('GIVEN -- WHEN parsed THEN what follows is positional, even with a leading -', () => {
    expect(parseArgs(['--dry-run', '--', '-file'], SPEC).positionals).toEqual(['-file']);
  });
});
