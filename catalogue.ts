/**
 * The version catalogue: every chart, image and release the tree or the scripts pin, with where
 * it comes from. Exact versions only. Renovate finds each entry with the regex managers in
 * `renovate.json` (keep the three-line `repository/chart/version`, two-line `image/tag` and
 * `github/version` shapes), and `test/catalogue.test.ts` proves that every entry matches them.
 */

export interface ChartEntry {
  /** https chart index, or `oci://` registry path without the chart name. */
  readonly repository: string;
  readonly chart: string;
  /** Exact chart version. */
  readonly version: string;
  /** Upstream project and why it is maintained today. */
  readonly upstream: string;
}

export interface ImageEntry {
  /** Registry and repository, without tag. */
  readonly image: string;
  /** Exact tag. */
  readonly tag: string;
  readonly upstream: string;
}

export const charts = {
  certManager: {
    repository: 'oci://quay.io/jetstack/charts',
    chart: 'cert-manager',
    version: 'v1.21.1',
    upstream: 'github.com/cert-manager/cert-manager deploy/charts/cert-manager (released 2026-07)',
  },
  traefik: {
    repository: 'https://traefik.github.io/charts',
    chart: 'traefik',
    version: '41.3.0',
    upstream: 'github.com/traefik/traefik-helm-chart (replaces ingress-nginx, retired 2026-03)',
  },
  localPathProvisioner: {
    repository: 'oci://ghcr.io/rancher/local-path-provisioner/charts',
    chart: 'local-path-provisioner',
    version: '0.0.37',
    upstream: 'github.com/rancher/local-path-provisioner deploy/chart (OCI only)',
  },
  kubePrometheusStack: {
    repository: 'oci://ghcr.io/prometheus-community/charts',
    chart: 'kube-prometheus-stack',
    version: '88.5.3',
    upstream: 'github.com/prometheus-community/helm-charts charts/kube-prometheus-stack',
  },
  loki: {
    repository: 'oci://ghcr.io/grafana-community/helm-charts',
    chart: 'loki',
    version: '18.11.0',
    upstream: 'github.com/grafana-community/helm-charts charts/loki (OSS chart moved from grafana/loki 2026-03)',
  },
  alloy: {
    repository: 'https://grafana.github.io/helm-charts',
    chart: 'alloy',
    version: '1.11.1',
    upstream: 'github.com/grafana/alloy operations/helm/charts/alloy (replaces Promtail, EOL 2026-03, and eventrouter)',
  },
  kratos: {
    repository: 'https://k8s.ory.com/helm/charts',
    chart: 'kratos',
    version: '0.62.1',
    upstream: 'github.com/ory/k8s helm/charts/kratos',
  },
  hydra: {
    repository: 'https://k8s.ory.com/helm/charts',
    chart: 'hydra',
    version: '0.62.1',
    upstream: 'github.com/ory/k8s helm/charts/hydra (bundles hydra-maester for OAuth2Client objects)',
  },
  kratosSelfserviceUiNode: {
    repository: 'https://k8s.ory.com/helm/charts',
    chart: 'kratos-selfservice-ui-node',
    version: '0.62.1',
    upstream: 'github.com/ory/k8s helm/charts/kratos-selfservice-ui-node (login, consent, registration, recovery pages)',
  },
  nextcloud: {
    repository: 'https://nextcloud.github.io/helm/',
    chart: 'nextcloud',
    version: '9.2.4',
    upstream: 'github.com/nextcloud/helm charts/nextcloud',
  },
  zulip: {
    repository: 'oci://ghcr.io/zulip/helm-charts',
    chart: 'zulip',
    version: '2.1.0',
    upstream: 'github.com/zulip/docker-zulip helm/zulip (OCI only)',
  },
  wekan: {
    repository: 'https://wekan.github.io/charts/',
    chart: 'wekan',
    version: '11.07.0',
    upstream: 'github.com/wekan/charts wekan/ (version string is not strict SemVer; pinned as published)',
  },
  wordpress: {
    repository: 'https://groundhog2k.github.io/helm-charts/',
    chart: 'wordpress',
    version: '0.16.2',
    upstream: 'github.com/groundhog2k/helm-charts charts/wordpress (official wordpress image, not Bitnami)',
  },
  velero: {
    repository: 'https://vmware-tanzu.github.io/helm-charts',
    chart: 'velero',
    version: '12.1.0',
    upstream: 'github.com/vmware-tanzu/helm-charts charts/velero',
  },
  postgres: {
    repository: 'oci://ghcr.io/cloudpirates-io/helm-charts',
    chart: 'postgres',
    version: '0.20.1',
    upstream: 'github.com/CloudPirates-io/helm-charts charts/postgres (official postgres image)',
  },
  mariadb: {
    repository: 'oci://ghcr.io/cloudpirates-io/helm-charts',
    chart: 'mariadb',
    version: '0.16.11',
    upstream: 'github.com/CloudPirates-io/helm-charts charts/mariadb (official mariadb image)',
  },
  valkey: {
    repository: 'oci://ghcr.io/cloudpirates-io/helm-charts',
    chart: 'valkey',
    version: '0.25.5',
    upstream: 'github.com/CloudPirates-io/helm-charts charts/valkey (official valkey image)',
  },
  rabbitmq: {
    repository: 'oci://ghcr.io/cloudpirates-io/helm-charts',
    chart: 'rabbitmq',
    version: '0.21.18',
    upstream: 'github.com/CloudPirates-io/helm-charts charts/rabbitmq (official rabbitmq image)',
  },
  memcached: {
    repository: 'oci://ghcr.io/cloudpirates-io/helm-charts',
    chart: 'memcached',
    version: '0.14.7',
    upstream: 'github.com/CloudPirates-io/helm-charts charts/memcached (official memcached image)',
  },
} as const satisfies Record<string, ChartEntry>;

export const images = {
  fluxCli: {
    image: 'ghcr.io/fluxcd/flux-cli',
    tag: 'v2.9.4',
    upstream: 'github.com/fluxcd/flux2 (flux and kubectl 1.36; non-root); also the Flux version bootstrap installs',
  },
  systemUpgradeController: {
    image: 'docker.io/rancher/system-upgrade-controller',
    tag: 'v0.20.1',
    upstream: 'github.com/rancher/system-upgrade-controller (release manifests, no chart)',
  },
  rancherKubectl: {
    image: 'docker.io/rancher/kubectl',
    tag: 'v1.30.3',
    upstream: 'github.com/rancher/kubectl; the cordon/uncordon image system-upgrade-controller v0.20.1 ships (default-controller-env)',
  },
  onlyofficeDocumentServer: {
    image: 'docker.io/onlyoffice/documentserver',
    tag: '9.3.1',
    upstream: 'github.com/ONLYOFFICE/Docker-DocumentServer (community edition)',
  },
  busybox: {
    image: 'docker.io/library/busybox',
    tag: '1.37.0',
    upstream: 'Docker official image (busybox.net); local-path-provisioner helper pods, whose chart default is :latest',
  },
  zulipPostgresql: {
    image: 'docker.io/zulip/zulip-postgresql',
    tag: '14',
    upstream: 'github.com/zulip/docker-zulip (official postgres:14 plus the dictionaries Zulip full-text search needs; the image Zulip\'s compose file and Helm chart run; tagged by PostgreSQL major version)',
  },
  wekanFerretdb: {
    image: 'ghcr.io/wekan/ferretdb',
    tag: 'v1.31.0',
    upstream: 'github.com/wekan/FerretDB main-v1 (WeKan\'s maintained FerretDB v1 on SQLite; the wekan chart defaults to :latest)',
  },
  veleroPluginForAws: {
    image: 'docker.io/velero/velero-plugin-for-aws',
    tag: 'v1.14.2',
    upstream: 'github.com/vmware-tanzu/velero-plugin-for-aws (S3 object store; v1.14 pairs with Velero 1.18)',
  },
  curl: {
    image: 'docker.io/curlimages/curl',
    tag: '8.21.0',
    upstream: 'github.com/curl/curl-container (the curl project\'s own image; creates single sign-on users through Kratos\'s admin API)',
  },
  node: {
    image: 'docker.io/library/node',
    tag: '24.21.0-alpine',
    upstream: 'Docker official image (github.com/nodejs/docker-node), Node.js 24 LTS; runs Hydra\'s token hook, a script from a ConfigMap',
  },
  wordpress: {
    image: 'docker.io/library/wordpress',
    tag: '7.0.2-apache',
    upstream: 'Docker official image (github.com/docker-library/wordpress), the wordpress chart\'s appVersion; its docker-ensure-installed.sh copies WordPress before the installer runs',
  },
  wordpressCli: {
    image: 'docker.io/library/wordpress',
    tag: 'cli-2.12.0-php8.3',
    upstream: 'Docker official image (github.com/docker-library/wordpress cli/), WP-CLI on the PHP of the wordpress image; installs WordPress on first start',
  },
} as const satisfies Record<string, ImageEntry>;

export interface ReleaseEntry {
  /** GitHub `owner/repo` whose releases carry the version. */
  readonly github: string;
  readonly version: string;
  readonly upstream: string;
}

export const releases = {
  k3s: {
    github: 'k3s-io/k3s',
    version: 'v1.36.3+k3s1',
    upstream: 'k3s stable channel; bootstrap installs it and the upgrade Plan pins it (image docker.io/rancher/k3s-upgrade)',
  },
} as const satisfies Record<string, ReleaseEntry>;

export type ChartName = keyof typeof charts;
export type ImageName = keyof typeof images;

/** `image:tag` for a catalogue image. */
export function imageRef(name: ImageName): string {
  const entry: ImageEntry = images[name];
  return `${entry.image}:${entry.tag}`;
}
