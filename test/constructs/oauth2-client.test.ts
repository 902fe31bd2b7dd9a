import { Testing } from 'cdk8s';
import { GeneratedSecret, Generator } from '../../constructs/generated-secret';
import { OAuth2Client } from '../../constructs/oauth2-client';
import { TreeChart } from '../../constructs/tree-chart';
import { manifest } from './harness';

function client(redirectUris: string[]): OAuth2Client {
  const chart = new TreeChart(Testing.app(), 'C', { directory: 'apps/demo' });
  const secret = new GeneratedSecret(chart, 'S', { name: 'stackspin-demo-variables', keys: { demo_oauth_client_secret: { generator: Generator.PASSWORD } } });
  return new OAuth2Client(chart, 'Client', { name: 'demo', namespace: 'stackspin-apps', redirectUris, secret, secretKey: 'demo_oauth_client_secret' });
}

describe('OAuth2Client', () => {
  test('GIVEN a client WHEN rendered THEN its Secret carries the client id and a reference to the generated secret', () => {
    const c = client(['https://demo.${domain}/callback']);
    expect(manifest(c.node.findChild('Secret')).stringData).toEqual({ CLIENT_ID: 'demo', CLIENT_SECRET: '${demo_oauth_client_secret}' });
    expect(manifest(c).spec).toMatchObject({ secretName: 'demo-oauth2-client', redirectUris: ['https://demo.${domain}/callback'], scope: 'openid profile email offline_access' });
    expect(manifest(c).spec).toMatchObject({ skipConsent: true, skipLogoutConsent: true });
  });

  test('GIVEN no redirect URIs WHEN constructed THEN the login callback is asked for', () => {
    expect(() => client([])).toThrow("OAuth2Client demo: redirectUris is empty; give the app's login callback URL");
  });
});
