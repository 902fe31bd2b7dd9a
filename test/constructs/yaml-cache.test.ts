import { randomUUID } from 'crypto';
// The module object itself (not an import namespace), so its functions can be spied on.
// eslint-disable-next-line @typescript-eslint/no-require-imports
import yaml = require('yaml');
import { parseDocuments, stringify } from '../../constructs/yaml-cache';

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

    const first = parseDocuments(text);
    const second = parseDocuments(text);

    expect(first).toEqual(yaml.parseAllDocuments(text).map((d) => ({ value: d.toJS() })));
    expect(second).toEqual(first);
    expect(parseAll).toHaveBeenCalledTimes(2); // the miss, and the expectation's own call
  });

  test('GIVEN YAML with a syntax error WHEN parsed THEN the invalid document carries yaml\'s error, every time', () => {
    const text = `id: ${randomUUID()}\n---\nkey: [unclosed\n`;
    const parseAll = jest.spyOn(yaml, 'parseAllDocuments');

    const documents = parseDocuments(text);

    expect(documents[0].value).toEqual({ id: expect.any(String) });
    expect(documents[1]).toEqual({ error: expect.stringContaining('Flow sequence') });
    expect(parseDocuments(text)).toEqual(documents);
    expect(parseAll).toHaveBeenCalledTimes(2);
  });

  test('GIVEN a value JSON does not carry WHEN parsed THEN yaml parses it every time', () => {
    const text = `id: ${randomUUID()}\nlimit: .inf\n`;
    const parseAll = jest.spyOn(yaml, 'parseAllDocuments');

    expect(parseDocuments(text)).toEqual([{ value: expect.objectContaining({ limit: Infinity }) }]);
    expect(parseDocuments(text)).toEqual([{ value: expect.objectContaining({ limit: Infinity }) }]);

    expect(parseAll).toHaveBeenCalledTimes(2);
  });
});
