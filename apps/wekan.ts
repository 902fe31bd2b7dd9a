import { Generator } from '../constructs/generated-secret';
import { charts } from '../catalogue';
import { defineComponent, Layer, Namespaces } from '../constructs/component';
import { vars } from '../constructs/cluster-variables';

export const wekan = defineComponent({
  name: 'wekan',
  layer: Layer.APP,
  namespace: Namespaces.APPS,
  build(component) {
    const secret = component.generatedSecret({ wekan_oauth_client_secret: { generator: Generator.PASSWORD } });
    component.helmApp({
      name: 'wekan',
      chart: charts.wekan,
      backupSet: 'wekan',
      values: { root_url: `https://wekan.${vars.domain}` },
      secretValues: { oauth: { secret: secret.ref('wekan_oauth_client_secret') } },
    });
  },
});
