/**
 * Command-line parsing for every TypeScript command (plan, graph, diff, validate, flux-env, synth,
 * and any new one): one behaviour for all, so a careless command line never does something else
 * than it says. The shell scripts have the same rules in `option_value` (scripts/lib/common.sh).
 *
 *   const args = parseArgs(argv, {
 *     usage: USAGE,                                  // printed after every refusal, and for --help
 *     options: { '--tree': 'DIR', '--env': 'FILE' }, // take a value: `--tree DIR` or `--tree=DIR`
 *     flags: ['--all-apps'],                         // take none
 *     positionals: { min: 0, max: 1, name: 'TREE' },  // @default none allowed
 *   });
 *   if (args.help) { print USAGE to stdout; exit 0 }  // -h or --help anywhere: before anything runs
 *   args.options.get('--tree'); args.flags.has('--all-apps'); args.positionals;
 *
 * Rules: a value given as the next argument must not start with `-` (`--branch --dry-run` is
 * refused, not read as the branch `--dry-run`); `--opt=VALUE` takes any value, even one starting
 * with `-`. An option given twice, an unknown option, a flag with `=VALUE`, an empty value and too
 * many or too few positionals are refused. `--` ends the options: what follows is positional.
 * Every refusal is a UsageError: one line naming the problem and the fix, then the usage; callers
 * exit 2 on it and change nothing.
 */

export interface ArgSpec {
  /** The command's usage text, shown after a refusal and for --help. */
  readonly usage: string;
  /** Options that take a value, with the placeholder the messages show (`{ '--tree': 'DIR' }`). @default none */
  readonly options?: Readonly<Record<string, string>>;
  /** Options that take no value. @default none */
  readonly flags?: readonly string[];
  /** How many positional arguments, and what to call them in messages. @default none allowed */
  readonly positionals?: { readonly min?: number; readonly max: number; readonly name: string };
}

export interface ParsedArgs {
  /** -h or --help was given: print the usage and exit 0, doing nothing else. */
  readonly help: boolean;
  readonly options: ReadonlyMap<string, string>;
  readonly flags: ReadonlySet<string>;
  readonly positionals: readonly string[];
}

/** A refused command line; the message ends with the usage. Exit 2. */
export class UsageError extends Error {
  constructor(problem: string, usage: string) {
    super(`${problem}\n${usage.trimEnd()}`);
    this.name = 'UsageError';
  }
}

const HELP = new Set(['-h', '--help']);

/** Parses `argv` by `spec`; throws a UsageError for anything the spec does not allow. */
export function parseArgs(argv: readonly string[], spec: ArgSpec): ParsedArgs {
  // Help wins anywhere, even after `--` (`npm run plan -- -- --help`): showing the usage is always safe.
  if (argv.some((a) => HELP.has(a))) return { help: true, options: new Map(), flags: new Set(), positionals: [] };
  const end = argv.indexOf('--');
  const refuse = (problem: string): never => {
    throw new UsageError(problem, spec.usage);
  };
  const takesValue = spec.options ?? {};
  const flags = new Set(spec.flags ?? []);
  const options = new Map<string, string>();
  const given = new Set<string>();
  const positionals: string[] = [];

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (i === end) {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    if (given.has(name)) refuse(`${name} is given twice; give it once`);
    given.add(name);
    if (flags.has(name)) {
      if (name !== arg) refuse(`${name} takes no value; write ${name} alone`);
      continue;
    }
    const placeholder = takesValue[name];
    if (placeholder === undefined) refuse(`unknown option '${name}'`);
    let value: string;
    if (name !== arg) {
      value = arg.slice(eq + 1);
    } else {
      const next = argv[i + 1];
      if (next === undefined || i + 1 === end) refuse(`${name} needs a value; write ${name} ${placeholder}`);
      if (next.startsWith('-') && next !== '-') {
        refuse(`${name} needs a value, got the flag '${next}'; write ${name} ${placeholder} (or ${name}=${placeholder} for a value that starts with -)`);
      }
      value = next;
      i++;
    }
    if (value === '') refuse(`${name} needs a value, got an empty one; write ${name} ${placeholder}`);
    options.set(name, value);
  }

  const allowed = spec.positionals ?? { min: 0, max: 0, name: '' };
  if (positionals.length > allowed.max) {
    const extra = positionals.slice(allowed.max).map((p) => `'${p}'`).join(', ');
    refuse(allowed.max === 0 ? `unexpected argument ${extra}; this command takes only options` : `too many arguments: ${extra}; give at most ${allowed.max} ${allowed.name}`);
  }
  if (positionals.length < (allowed.min ?? 0)) refuse(`missing ${allowed.name}`);
  return { help: false, options, flags: new Set([...given].filter((g) => flags.has(g))), positionals };
}
