import { Construct } from 'constructs';
import { checkName } from './flux-source';
import { GeneratedSecret } from './generated-secret';
import { ReferenceSecret } from './reference-secret';
import {
  OAuth2Client as OAuth2ClientObject,
  OAuth2ClientSpecGrantTypes,
  OAuth2ClientSpecResponseTypes,
  OAuth2ClientSpecTokenEndpointAuthMethod,
} from '../imports/hydra-oauth2client-hydra.ory.sh';

export interface OAuth2ClientProps {
  /** Client ID, and the name of the OAuth2Client object; by convention the app's name. */
  readonly name: string;
  /** Namespace of the app that logs in (the client's Secret is created there). */
  readonly namespace: string;
  /** Where Hydra may send users back after login. */
  readonly redirectUris: readonly string[];
  /** The generated secret holding the client secret. */
  readonly secret: GeneratedSecret;
  /** Key of `secret` with the client secret. */
  readonly secretKey: string;
  /** @default 'openid profile email offline_access' */
  readonly scope?: string;
  /** @default client_secret_basic */
  readonly tokenEndpointAuthMethod?: OAuth2ClientSpecTokenEndpointAuthMethod;
  /** Where Hydra may send users after logout. @default none */
  readonly postLogoutRedirectUris?: readonly string[];
}

/**
 * A Hydra OAuth2 client for single sign-on, registered by hydra-maester. Its client secret comes
 * from the app's generated secret (substituted into the `<name>-oauth2-client` Secret), so the app
 * and Hydra share one value that is generated once, in the cluster.
 */
export class OAuth2Client extends Construct {
  public readonly clientId: string;
  /** The Secret in `namespace` with keys `CLIENT_ID` and `CLIENT_SECRET`. */
  public readonly secretName: string;

  constructor(scope: Construct, id: string, props: OAuth2ClientProps) {
    super(scope, id);
    this.clientId = checkName('OAuth2Client name', props.name);
    this.secretName = `${props.name}-oauth2-client`;
    if (props.redirectUris.length === 0) {
      throw new Error(`OAuth2Client ${props.name}: redirectUris is empty; give the app's login callback URL`);
    }
    new ReferenceSecret(this, 'Secret', {
      name: this.secretName,
      namespace: props.namespace,
      plain: { CLIENT_ID: this.clientId },
      references: { CLIENT_SECRET: props.secret.ref(props.secretKey) },
    });
    new OAuth2ClientObject(this, 'Resource', {
      metadata: { name: this.clientId, namespace: props.namespace },
      spec: {
        clientName: this.clientId,
        secretName: this.secretName,
        grantTypes: [OAuth2ClientSpecGrantTypes.AUTHORIZATION_UNDERSCORE_CODE, OAuth2ClientSpecGrantTypes.REFRESH_UNDERSCORE_TOKEN],
        responseTypes: [OAuth2ClientSpecResponseTypes.CODE],
        scope: props.scope ?? 'openid profile email offline_access',
        redirectUris: [...props.redirectUris],
        postLogoutRedirectUris: props.postLogoutRedirectUris ? [...props.postLogoutRedirectUris] : undefined,
        tokenEndpointAuthMethod: props.tokenEndpointAuthMethod ?? OAuth2ClientSpecTokenEndpointAuthMethod.CLIENT_UNDERSCORE_SECRET_UNDERSCORE_BASIC,
        // The platform's own apps are first-party: users are not asked to consent to each one.
        skipConsent: true,
        skipLogoutConsent: true,
      },
    });
  }
}
