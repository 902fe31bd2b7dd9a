/**
 * The few Helm template functions the tree's `tpl` strings use, evaluated like Go's text/template
 * with Sprig: `{{ "literal" | f | g "arg" }}`, where each piped value becomes the last argument.
 * Anything else (variables, unknown functions, other quoting) throws, so a template that drifts
 * from what this evaluator understands fails the tests instead of passing unchecked.
 */
const FUNCTIONS: Readonly<Record<string, (...args: any[]) => unknown>> = {
  /** Sprig: removes every whitespace character. */
  nospace: (s: string) => s.replace(/\s/g, ''),
  /** Sprig: `splitList sep s`. */
  splitList: (sep: string, s: string) => s.split(sep),
  /** Helm: JSON encoding. */
  toJson: (v: unknown) => JSON.stringify(v),
};

const TOKEN = /\s*(?:"((?:[^"\\])*)"|([A-Za-z][A-Za-z0-9]*)|(\|))/y;

export function renderTpl(template: string): string {
  return template.replace(/\{\{(.*?)\}\}/g, (_, action: string) => String(evaluate(action)));
}

function evaluate(action: string): unknown {
  const commands: { literal?: string; fn?: string; args: string[] }[] = [{ args: [] }];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < action.trimEnd().length) {
    const at = TOKEN.lastIndex;
    const token = TOKEN.exec(action);
    if (!token) throw new Error(`cannot parse template action {{${action}}} at ${at}`);
    const current = commands[commands.length - 1];
    if (token[3]) commands.push({ args: [] });
    else if (token[2] !== undefined && current.fn === undefined && current.literal === undefined) current.fn = token[2];
    else if (token[1] !== undefined && current.fn === undefined && current.literal === undefined) current.literal = token[1];
    else if (token[1] !== undefined) current.args.push(token[1]);
    else throw new Error(`unexpected ${token[0].trim()} in {{${action}}}`);
  }
  let value: unknown;
  commands.forEach((command, i) => {
    if (command.literal !== undefined) {
      if (i > 0 || command.args.length > 0) throw new Error(`a literal only starts a pipeline: {{${action}}}`);
      value = command.literal;
      return;
    }
    const fn = FUNCTIONS[command.fn ?? ''];
    if (!fn) throw new Error(`function ${command.fn} is not known to this evaluator: {{${action}}}`);
    value = fn(...command.args, ...(i > 0 ? [value] : []));
  });
  return value;
}
