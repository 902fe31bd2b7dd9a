import { checkName } from '../../constructs/flux-source';

describe('checkName', () => {
  test.each(['stackspin', 'a', 'single-sign-on', 'x'.repeat(63)])('GIVEN %s WHEN checked THEN it is returned', (name) => {
    expect(checkName('thing', name)).toBe(name);
  });

  test.each(['Stackspin', 'a_b', '-a', 'a-', '', 'x'.repeat(64)])('GIVEN %p WHEN checked THEN the prop, value and fix are named', (name) => {
    expect(() => checkName('HelmApp name', name)).toThrow(`HelmApp name: '${name}' is not a valid object name; use lower-case letters, digits and '-' (at most 63)`);
  });
});
