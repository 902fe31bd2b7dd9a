import { envsubst } from '../../scripts/plan/envsubst';

const vars = new Map([['domain', 'example.org'], ['empty', '']]);

describe('envsubst (Flux post-build substitution, strict)', () => {
  test('GIVEN a defined variable WHEN substituted THEN it is replaced', () => {
    expect(envsubst('host: app.${domain}', vars)).toEqual({ text: 'host: app.example.org', missing: [], used: ['domain'], malformed: [] });
  });

  test('GIVEN an undefined variable without default WHEN substituted THEN it is reported and left', () => {
    expect(envsubst('a: ${nope} b: ${nope}', vars)).toEqual({ text: 'a: ${nope} b: ${nope}', missing: ['nope', 'nope'], used: [], malformed: [] });
  });

  test('GIVEN := and :- defaults WHEN the variable is missing or empty THEN the default is used', () => {
    expect(envsubst('${nope:=main} ${empty:=x} ${nope:-y} ${domain:=other}', vars).text).toBe('main x y example.org');
  });

  test('GIVEN = and - defaults WHEN the variable is empty THEN the empty value stays', () => {
    expect(envsubst('[${empty=x}] [${empty-y}] [${nope=z}]', vars).text).toBe('[] [] [z]');
  });

  test('GIVEN an escaped reference WHEN substituted THEN one $ is removed and nothing is resolved', () => {
    expect(envsubst('echo $${HOME} $${domain}', vars)).toEqual({ text: 'echo ${HOME} ${domain}', missing: [], used: [], malformed: [] });
  });

  test('GIVEN a bare $var or a shell expression WHEN substituted THEN $var is left and the expression is malformed', () => {
    expect(envsubst('$domain ${domain^^}', vars)).toEqual({ text: '$domain ${domain^^}', missing: [], used: [], malformed: ['domain^^'] });
  });
});
