import { fluxSubstitute } from './flux-substitute';
import { renderTpl } from './helm-tpl';

describe('test helpers', () => {
  test('GIVEN references WHEN substituted like Flux THEN values, defaults and escapes apply', () => {
    expect(fluxSubstitute('${a} ${b:=x,::/0} ${c:=d} $${e}', { a: '1', b: '', c: '2' })).toBe('1 x,::/0 2 ${e}');
  });

  test('GIVEN a variable without value or default WHEN substituted THEN it throws, as strict Flux fails', () => {
    expect(() => fluxSubstitute('${missing}', {})).toThrow(/missing is not set/);
  });

  test('GIVEN a supported pipeline WHEN rendered THEN each piped value is the last argument', () => {
    expect(renderTpl('x: {{ " a, b" | nospace | splitList "," | toJson }}')).toBe('x: ["a","b"]');
  });

  test('GIVEN an unknown function or a variable WHEN rendered THEN it throws instead of guessing', () => {
    expect(() => renderTpl('{{ "a" | upper }}')).toThrow(/upper is not known/);
    expect(() => renderTpl('{{ $.Values.x }}')).toThrow(/cannot parse/);
  });
});
