import { images } from '../../catalogue';
import { LOCAL_STORAGE_PATH, localPathProvisioner, STORAGE_CLASS_NAME } from '../../infrastructure/local-path-provisioner';
import { componentFiles, ofKind } from '../tree';
import { pinnedChart, undeclaredKeys } from '../charts';
import { releaseValues } from './release-values';

const fixture = pinnedChart('local-path-provisioner');
const values = (): any => releaseValues('infrastructure', 'local-path-provisioner');

describe('local-path-provisioner', () => {
  test('GIVEN the platform WHEN synthesized THEN the local-path-provisioner files match the snapshot', () => {
    expect(componentFiles('local-path-provisioner')).toMatchSnapshot();
  });

  test('GIVEN the values WHEN their keys are looked up in the chart values.yaml THEN each is declared there', () => {
    expect(undeclaredKeys(values(), fixture)).toEqual([]);
    expect(undeclaredKeys({ storageClass: { defaultClas: true } }, fixture)).toEqual(['storageClass.defaultClas']);
  });

  test('GIVEN the values WHEN read THEN every node stores volumes under /var/lib/Stackspin/local-storage', () => {
    expect(LOCAL_STORAGE_PATH).toBe('/var/lib/Stackspin/local-storage');
    expect(values().nodePathMap).toEqual([{ node: 'DEFAULT_PATH_FOR_NON_LISTED_NODES', paths: [LOCAL_STORAGE_PATH] }]);
  });

  test('GIVEN the values WHEN read THEN local-path is the default StorageClass, provisioned under k3s\'s name', () => {
    expect(values().storageClass).toEqual(expect.objectContaining({
      create: true,
      name: STORAGE_CLASS_NAME,
      defaultClass: true,
      provisionerName: 'rancher.io/local-path',
    }));
    expect(STORAGE_CLASS_NAME).toBe('local-path');
  });

  test('GIVEN the StorageClass WHEN read THEN it provisions local volumes, which Velero\'s file-system backup can read (hostPath it skips)', () => {
    expect(values().storageClass.defaultVolumeType).toBe('local');
  });

  test('GIVEN the helper pods WHEN their image is read THEN it is the pinned busybox, not the chart\'s latest', () => {
    expect(values().helperImage).toEqual({ repository: images.busybox.image, tag: images.busybox.tag });
  });

  test('GIVEN the provisioner and its helper pods WHEN their values are read THEN both have requests and limits', () => {
    for (const resources of [values().resources, values().helperPod.resources]) {
      expect({ requests: Object.keys(resources.requests), limits: Object.keys(resources.limits) })
        .toEqual({ requests: ['cpu', 'memory'], limits: ['cpu', 'memory'] });
    }
  });

  test('GIVEN the HelmRelease WHEN read THEN it runs in its own namespace, not kube-system', () => {
    const release = ofKind('HelmRelease').find((o) => o.manifest.metadata.name === 'local-path-provisioner')!;
    expect(release.manifest.metadata.namespace).toBe(localPathProvisioner.namespace);
    expect(localPathProvisioner.namespace).toBe('local-path-storage');
    expect(ofKind('Namespace').map((o) => o.manifest.metadata.name)).toContain('local-path-storage');
  });
});
