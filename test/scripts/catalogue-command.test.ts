import { imageRef, images, releases } from '../../catalogue';
import { catalogueCommand } from '../../scripts/catalogue';

describe('catalogue.ts get', () => {
  test('GIVEN k3s and flux WHEN asked THEN it prints the catalogue versions, one per line, in that order', () => {
    expect(catalogueCommand(['get', 'k3s', 'flux'])).toEqual({ out: `${releases.k3s.version}\n${images.fluxCli.tag}\n`, code: 0 });
  });

  test('GIVEN curl WHEN asked THEN it prints the pinned curl image reference', () => {
    expect(catalogueCommand(['get', 'curl'])).toEqual({ out: `${imageRef('curl')}\n`, code: 0 });
  });

  test('GIVEN an unknown name or no name WHEN asked THEN it prints the usage and exits 2', () => {
    expect(catalogueCommand(['get', 'helm'])).toEqual({ out: 'usage: catalogue.ts get <k3s|flux|curl>...\n', code: 2 });
    expect(catalogueCommand(['get']).code).toBe(2);
  });
});
