import { vars } from '../../constructs/cluster-variables';
import { defineComponent, Layer, Namespaces } from '../../constructs/component';

/** What apps need to log in through single sign-on. */
export interface SingleSignOnOutputs {
  /** OpenID Connect issuer (Hydra's public URL), e.g. `https://sso.${domain}`. */
  readonly issuerUrl: string;
}

/** Ory Kratos (users), Ory Hydra (OpenID Connect) and the login, consent, registration and recovery pages. */
export const singleSignOn = defineComponent<SingleSignOnOutputs>({
  name: 'single-sign-on',
  layer: Layer.CORE,
  namespace: Namespaces.CORE,
  build() {
    return { issuerUrl: `https://sso.${vars.domain}` };
  },
});
