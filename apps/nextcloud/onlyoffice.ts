import { ApiObject, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { imageRef } from '../../catalogue';
import { GeneratedSecret } from '../../constructs/generated-secret';
import { BACKUP_SET_LABEL } from '../../constructs/helm-app';
import { ingress } from '../../infrastructure/traefik';

/** cdk8s-plus' `cdk8s.io/metadata.addr` pod label, as a JSON pointer segment. */
const ADDRESS_LABEL_POINTER = kplus.Pod.ADDRESS_LABEL.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * The header the JWT travels in, on both sides. Not the default `Authorization`: Nextcloud would
 * take a bearer token there for a login attempt of its own on the server's callbacks.
 */
const JWT_HEADER = 'AuthorizationJwt';

/** The ONLYOFFICE Document Server's own HTTP port (its bundled nginx). */
const HTTP_PORT = 80;

export interface OnlyofficeDocumentServerProps {
  /** Name of the Deployment, Service, Ingress and the prefix of the PVC and JWT Secret. */
  readonly name: string;
  readonly namespace: string;
  /** Public host name, e.g. `office.${domain}`. */
  readonly host: string;
  /** Secret name cert-manager writes the certificate to (also the Certificate's name). */
  readonly tlsSecretName: string;
  /** The generated secret holding the JWT secret shared with Nextcloud. */
  readonly secret: GeneratedSecret;
  /** Key of `secret` with the JWT secret. */
  readonly jwtSecretKey: string;
  /** Value of the `stackspin.net/backupSet` label on every object. */
  readonly backupSet: string;
  /** Size of the PVC for the document cache, the server's own database and its generated data. @default 5Gi */
  readonly storage?: Size;
}

/**
 * The community ONLYOFFICE Document Server as one plain Deployment: the all-in-one image runs its
 * own PostgreSQL, RabbitMQ and Redis inside the pod, which fits a single node (the `docs` chart
 * wants several nodes and shared storage). Requests are signed with a JWT secret Nextcloud shares.
 */
export class OnlyofficeDocumentServer extends Construct {
  /** The Secret (in `namespace`) with key `JWT_SECRET`, for Nextcloud to read the same value. */
  public readonly jwtSecretName: string;
  /** The in-cluster URL Nextcloud uses to reach the server. */
  public readonly internalUrl: string;
  /** The request header carrying the JWT; Nextcloud must use the same. */
  public readonly jwtHeader = JWT_HEADER;

  constructor(scope: Construct, id: string, props: OnlyofficeDocumentServerProps) {
    super(scope, id);
    if (!/^[a-z0-9${}.:=-]+$/.test(props.host)) {
      throw new Error(`OnlyofficeDocumentServer ${props.name}: host '${props.host}' must be a bare host name like office.\${domain}, without scheme or path`);
    }
    const labels = { 'app.kubernetes.io/name': props.name, [BACKUP_SET_LABEL]: props.backupSet };
    const metadata = (name: string) => ({ name, namespace: props.namespace, labels });
    this.jwtSecretName = `${props.name}-jwt`;
    this.internalUrl = `http://${props.name}.${props.namespace}.svc.cluster.local/`;

    const jwt = new kplus.Secret(this, 'Jwt', {
      metadata: metadata(this.jwtSecretName),
      stringData: { JWT_SECRET: props.secret.ref(props.jwtSecretKey) },
    });
    const pvc = new kplus.PersistentVolumeClaim(this, 'Data', {
      metadata: metadata(`${props.name}-data`),
      accessModes: [kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE],
      storage: props.storage ?? Size.gibibytes(5),
      volumeMode: kplus.PersistentVolumeMode.FILE_SYSTEM,
    });
    const data = kplus.Volume.fromPersistentVolumeClaim(this, 'DataVolume', pvc, { name: 'data' });

    const deployment = new kplus.Deployment(this, 'Deployment', {
      metadata: metadata(props.name),
      podMetadata: { labels },
      select: false,
      replicas: 1,
      // Two pods would share neither the in-pod database nor the RWO volume.
      strategy: kplus.DeploymentStrategy.recreate(),
      automountServiceAccountToken: false,
      // The image starts PostgreSQL, RabbitMQ and nginx as root and drops to its own users.
      securityContext: { ensureNonRoot: false },
    });
    const selector = { 'app.kubernetes.io/name': props.name };
    deployment.select(kplus.LabelSelector.of({ labels: selector }));
    // cdk8s-plus labels pods with its construct address even when told not to select by it.
    ApiObject.of(deployment).addJsonPatch(JsonPatch.remove(`/spec/template/metadata/labels/${ADDRESS_LABEL_POINTER}`));
    const jwtEnv = kplus.EnvValue.fromSecretValue({ secret: jwt, key: 'JWT_SECRET' });
    deployment.addContainer({
      name: 'documentserver',
      image: imageRef('onlyofficeDocumentServer'),
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      ports: [{ number: HTTP_PORT, name: 'http' }],
      envVariables: {
        JWT_ENABLED: kplus.EnvValue.fromValue('true'),
        JWT_SECRET: jwtEnv,
        JWT_HEADER: kplus.EnvValue.fromValue(JWT_HEADER),
        // Nextcloud is reached on its cluster address, which the server refuses by default.
        ALLOW_PRIVATE_IP_ADDRESS: kplus.EnvValue.fromValue('true'),
      },
      securityContext: { ensureNonRoot: false, readOnlyRootFilesystem: false, allowPrivilegeEscalation: true },
      resources: {
        cpu: { request: kplus.Cpu.millis(250), limit: kplus.Cpu.units(2) },
        memory: { request: Size.mebibytes(1280), limit: Size.gibibytes(3) },
      },
      // The first start generates fonts and initialises its database for several minutes.
      startup: kplus.Probe.fromHttpGet('/healthcheck', { port: HTTP_PORT, periodSeconds: Duration.seconds(10), failureThreshold: 60 }),
      readiness: kplus.Probe.fromHttpGet('/healthcheck', { port: HTTP_PORT, periodSeconds: Duration.seconds(10) }),
      liveness: kplus.Probe.fromHttpGet('/healthcheck', { port: HTTP_PORT, periodSeconds: Duration.seconds(30), failureThreshold: 5 }),
      volumeMounts: [
        { volume: data, path: '/var/www/onlyoffice/Data', subPath: 'data' },
        { volume: data, path: '/var/lib/onlyoffice', subPath: 'lib' },
        { volume: data, path: '/var/lib/postgresql', subPath: 'postgresql' },
      ],
    });

    const service = new kplus.Service(this, 'Service', {
      metadata: metadata(props.name),
      ports: [{ port: HTTP_PORT, targetPort: HTTP_PORT, name: 'http' }],
    });
    for (const [key, value] of Object.entries(selector)) service.selectLabel(key, value);
    new kplus.Ingress(this, 'Ingress', {
      metadata: { ...metadata(props.name), annotations: { ...ingress.annotations } },
      className: ingress.className,
      rules: [{ host: props.host, path: '/', pathType: kplus.HttpIngressPathType.PREFIX, backend: kplus.IngressBackend.fromService(service) }],
      tls: [{ hosts: [props.host], secret: kplus.Secret.fromSecretName(this, 'Tls', props.tlsSecretName) }],
    });
  }
}
