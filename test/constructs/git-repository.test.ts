import { Duration } from 'cdk8s';
import { GitRepository } from '../../constructs/git-repository';
import { manifest, scope } from './harness';

describe('GitRepository', () => {
  test('GIVEN a GitRepository WHEN rendered THEN it never declares spec.suspend (the maintenance window owns it)', () => {
    const { source } = scope();
    const m = manifest(source);
    expect(m.spec).not.toHaveProperty('suspend');
    expect(m).toEqual({
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      metadata: { name: 'stackspin', namespace: 'flux-system' },
      spec: { interval: '1h', url: 'https://example.org/x.git', ref: { branch: 'main' } },
    });
  });

  test('GIVEN an interval WHEN rendered THEN it is written the Flux way', () => {
    const { chart } = scope();
    const git = new GitRepository(chart, 'G', { name: 'other', url: 'https://example.org/y.git', branch: 'dev', interval: Duration.minutes(90) });
    expect(manifest(git).spec.interval).toBe('1h30m');
  });

  test('GIVEN an empty url WHEN constructed THEN it is refused', () => {
    const { chart } = scope();
    expect(() => new GitRepository(chart, 'G', { name: 'other', url: '', branch: 'main' })).toThrow('GitRepository other: url is empty; set the repository URL');
  });
});
