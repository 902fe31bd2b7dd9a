import { randomUUID } from 'crypto';
// The module object itself (not an import namespace), so its functions can be spied on.
// eslint-disable-next-line @typescript-eslint/no-require-imports
import yaml = require('yaml');
import { parseAllValues, stringify } from '../../constructs/yaml-cache';

const OPTIONS = { lineWidth: 0, minContentWidth: 0, blockQuote: 'literal' as const, aliasDuplicateObjects: false };

afterEach(() => jest.restoreAllMocks());

describe('yaml cache', () => {
  test('GIVEN plain JSON data WHEN stringified twice THEN both equal yaml\'s output and yaml ran once', () => {
    const value = { id: randomUUID(), text: 'two\nlines', list: [1, 'a', true, null, { nested: '${domain}' }], empty: {}, skipped: undefined };
    const yamlStringify = jest.spyOn(yaml, 'stringify');

    const first = stringify(value, OPTIONS);
    const second = stringify(value, OPTIONS);

    expect(first).toBe(yaml.stringify(value, OPTIONS));
    expect(second).toBe(first);
    expect(yamlStringify).toHaveBeenCalledTimes(2); // the miss, and the expectation's own call
  });

  test.each([
    ['Infinity', Infinity],
    ['-0', -0],
    ['a hole in an array', [1, , 3]], // eslint-disable-line no-sparse-arrays
    ['undefined in an array', [undefined]],
    ['a class instance', new Date(0)],
  ])('GIVEN %s, which JSON does not carry, WHEN stringified THEN yaml renders it every time', (_what, data) => {
    const value = { id: randomUUID(), data };
    const yamlStringify = jest.spyOn(yaml, 'stringify');

    expect(stringify(value, OPTIONS)).toBe(stringify(value, OPTIONS));

    expect(yamlStringify).toHaveBeenCalledTimes(2);
  });

  test('GIVEN aliasDuplicateObjects is not false WHEN stringified THEN yaml renders it, since shared objects would matter', () => {
    const shared = { a: randomUUID() };
    const yamlStringify = jest.spyOn(yaml, 'stringify');

    expect(stringify({ x: shared, y: shared }, { lineWidth: 0 })).toContain('&a1');

    expect(yamlStringify).toHaveBeenCalledTimes(1);
  });

  test('GIVEN YAML documents WHEN parsed twice THEN both equal yaml\'s values and yaml parsed once', () => {
    const text = `id: ${randomUUID()}\nlist: [1, two, {three: 3}]\n---\n---\nsecond: ~\n`;
    const parseAll = jest.spyOn(yaml, 'parseAllDocuments');

    const first = parseAllValues(text);
    const second = parseAllValues(text);

    expect(first).toEqual(yaml.parseAllDocuments(text).map((d) => d.toJS()));
    expect(second).toEqual(first);
    expect(parseAll).toHaveBeenCalledTimes(2); // the miss, and the expectation's own call
  });

  test('GIVEN YAML with a syntax error or a value JSON does not carry WHEN parsed THEN yaml parses it every time', () => {
    const broken = `id: ${randomUUID()}\nkey: [unclosed\n`;
    const infinite = `id: ${randomUUID()}\nlimit: .inf\n`;
    const parseAll = jest.spyOn(yaml, 'parseAllDocuments');

    expect(parseAllValues(broken)).toEqual(parseAllValues(broken));
    expect(parseAllValues(infinite)).toEqual([expect.objectContaining({ limit: Infinity })]);
    expect(parseAllValues(infinite)).toEqual([expect.objectContaining({ limit: Infinity })]);

    expect(parseAll).toHaveBeenCalledTimes(4);
  });
});
