/**
 * What every pod that runs kubectl from the flux-cli image shares (the maintenance-window
 * CronJobs, the secret generator): nobody, no privileges, a read-only root filesystem.
 */

/** The user the flux-cli image runs as (nobody). */
export const NOBODY = 65534;

/** The pod's securityContext. */
export function kubectlPodSecurity(): { runAsNonRoot: boolean; runAsUser: number; runAsGroup: number; seccompProfile: { type: string } } {
  return { runAsNonRoot: true, runAsUser: NOBODY, runAsGroup: NOBODY, seccompProfile: { type: 'RuntimeDefault' } };
}

/** The kubectl container's securityContext. */
export function kubectlContainerSecurity(): { allowPrivilegeEscalation: boolean; readOnlyRootFilesystem: boolean; runAsNonRoot: boolean; capabilities: { drop: string[] } } {
  return { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } };
}

/** kubectl writes its discovery cache under $HOME; the root filesystem is read-only, so HOME is the /tmp volume. */
export const KUBECTL_HOME = { name: 'HOME', value: '/tmp' } as const;
