import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { ApiObject } from 'cdk8s';
import { charts, imageRef } from '../../catalogue';
import { Component } from '../../constructs/component';
import { escapeSubstitution } from '../../constructs/tree-writer';
import { Internal, Releases } from './endpoints';

/** The Deployment, Service, ConfigMap and NetworkPolicy of the hook, in the component's namespace. */
export const TOKEN_HOOK = 'hydra-token-hook';

/** The script (plain Node.js), as the ConfigMap carries it and the tests load it. */
export const TOKEN_HOOK_SCRIPT_FILE = path.join(__dirname, 'token-hook-server.js');

/** The claim the hook writes and the group in it for the admin flag: the script's own constants. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const { ADMIN_GROUP, GROUPS_CLAIM } = require(TOKEN_HOOK_SCRIPT_FILE) as { readonly ADMIN_GROUP: string; readonly GROUPS_CLAIM: string };
const SCRIPT_KEY = 'token-hook.js';
const MOUNT_PATH = '/etc/token-hook';
const PORT = 8080;
/** The node image's own user. */
const NODE_UID = 1000;

/** Where Hydra posts token requests (`oauth2.token_hook`). */
export function tokenHookUrl(namespace: string): string {
  return `http://${TOKEN_HOOK}.${namespace}.svc.cluster.local:${PORT}/token`;
}

/**
 * Hydra's token hook: a small Node.js service (the script in `token-hook-server.js`, from a
 * ConfigMap, run by the pinned official node image) that adds a `groups` claim, `["admin"]` for
 * identities whose admin-only metadata says `{"admin": true}`, to the ID token and userinfo of
 * every app. The login pages pass no custom claims and Hydra reads no Kratos identity, so this
 * is the one place the admin flag becomes a claim.
 *
 * It fails open: any error answers 204 and the token keeps its claims, so logins never break on
 * the hook. Only a hook that does not answer at all fails a token request, so a new pod must be
 * ready before the old one stops (`maxUnavailable: 0`). Hydra's chart writes its configuration to
 * a ConfigMap, so the hook takes no shared key; instead a NetworkPolicy admits only Hydra's pods
 * (k3s enforces NetworkPolicies). It answers no more than whether an identity is an admin.
 */
export function tokenHook(component: Component<any>): void {
  const namespace = component.namespace;
  const script = fs.readFileSync(TOKEN_HOOK_SCRIPT_FILE, 'utf8');
  const labels = { 'app.kubernetes.io/name': TOKEN_HOOK, 'app.kubernetes.io/part-of': Releases.HYDRA };
  const selector = { 'app.kubernetes.io/name': TOKEN_HOOK };

  new ApiObject(component, 'TokenHookScript', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: TOKEN_HOOK, namespace, labels },
    data: { [SCRIPT_KEY]: escapeSubstitution(script) },
  });

  new ApiObject(component, 'TokenHookDeployment', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: TOKEN_HOOK, namespace, labels },
    spec: {
      replicas: 1,
      // Hydra fails token requests while no pod answers: start the new one before stopping the old.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      selector: { matchLabels: selector },
      template: {
        metadata: {
          labels,
          // A changed script rolls the pod.
          annotations: { 'stackspin.net/script-sha256': createHash('sha256').update(script).digest('hex') },
        },
        spec: {
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, runAsUser: NODE_UID, runAsGroup: NODE_UID, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [{
            name: 'token-hook',
            image: imageRef('node'),
            imagePullPolicy: 'IfNotPresent',
            command: ['node', `${MOUNT_PATH}/${SCRIPT_KEY}`],
            env: [
              { name: 'KRATOS_ADMIN_URL', value: Internal.KRATOS_ADMIN },
              { name: 'PORT', value: String(PORT) },
            ],
            ports: [{ name: 'http', containerPort: PORT }],
            readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 10 },
            livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 30, failureThreshold: 3 },
            resources: { requests: { cpu: '10m', memory: '48Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
            volumeMounts: [{ name: 'script', mountPath: MOUNT_PATH, readOnly: true }],
          }],
          volumes: [{ name: 'script', configMap: { name: TOKEN_HOOK } }],
        },
      },
    },
  });

  new ApiObject(component, 'TokenHookService', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: TOKEN_HOOK, namespace, labels },
    spec: { selector, ports: [{ name: 'http', port: PORT, targetPort: 'http' }] },
  });

  new ApiObject(component, 'TokenHookNetworkPolicy', {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: TOKEN_HOOK, namespace, labels },
    spec: {
      podSelector: { matchLabels: selector },
      policyTypes: ['Ingress'],
      ingress: [{
        // Hydra's pods, as its chart labels them.
        from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': charts.hydra.chart, 'app.kubernetes.io/instance': Releases.HYDRA } } }],
        ports: [{ protocol: 'TCP', port: PORT }],
      }],
    },
  });
}
