import { charts, images } from '../catalogue';
import { defineComponent, Layer } from '../constructs/component';

/** Where every persistent volume's data lives on the node (the documents' backup and restore paths). */
export const LOCAL_STORAGE_PATH = '/var/lib/Stackspin/local-storage';

/** The default StorageClass; PVCs that name no class get it. */
export const STORAGE_CLASS_NAME = 'local-path';

/**
 * Rancher's local-path-provisioner, replacing k3s's bundled copy (bootstrap passes
 * `--disable local-storage`), so its version comes from the catalogue and its path is ours.
 *
 * Namespace `local-path-storage`, as upstream's manifests use: the platform creates and prunes the
 * namespace of every component, and must not claim kube-system, which Kubernetes owns.
 */
export const localPathProvisioner = defineComponent({
  name: 'local-path-provisioner',
  layer: Layer.INFRASTRUCTURE,
  namespace: 'local-path-storage',
  build(component) {
    component.helmApp({
      name: 'local-path-provisioner',
      chart: charts.localPathProvisioner,
      values: {
        storageClass: {
          create: true,
          name: STORAGE_CLASS_NAME,
          defaultClass: true,
          // k3s's name: PVs provisioned by a bundled copy stay managed (and deletable) by this one.
          provisionerName: 'rancher.io/local-path',
          reclaimPolicy: 'Delete',
          volumeBindingMode: 'WaitForFirstConsumer',
          // `local` PVs, not hostPath: Velero's file-system backup skips hostPath volumes.
          defaultVolumeType: 'local',
        },
        // Only nodes not listed get DEFAULT_PATH_FOR_NON_LISTED_NODES: that is every node here.
        nodePathMap: [{ node: 'DEFAULT_PATH_FOR_NON_LISTED_NODES', paths: [LOCAL_STORAGE_PATH] }],
        // The chart defaults the helper pods (mkdir and rm of volume directories) to busybox:latest.
        helperImage: { repository: images.busybox.image, tag: images.busybox.tag },
        resources: {
          requests: { cpu: '10m', memory: '32Mi' },
          limits: { cpu: '100m', memory: '128Mi' },
        },
        helperPod: {
          resources: {
            requests: { cpu: '10m', memory: '16Mi' },
            limits: { cpu: '200m', memory: '64Mi' },
          },
        },
      },
    });
  },
});
