import { ApiObject } from 'cdk8s';
import { ComponentDefinition } from '../../constructs/component';

/**
 * Copy `n` of an app for `npm run bench -- --scale`: named `<name><n>` (its Kustomization,
 * directory, entry and generated secret follow), in its own namespace `<namespace>-<n>` (so its
 * objects keep their names), and serving its own hosts `<host>-<n>.${domain}` for `hosts`, the
 * host names only this app uses (shared ones, like single sign-on's, stay as they are).
 */
export function copyApp<O>(definition: ComponentDefinition<O>, n: number, hosts: readonly string[]): ComponentDefinition<O> {
  const own = new RegExp(`(?<![a-z0-9-])(${hosts.join('|')})\\.(\\$\\{domain\\})`, 'g');
  const rename = (value: unknown): unknown => {
    if (typeof value === 'string') return hosts.length === 0 ? value : value.replace(own, `$1-${n}.$2`);
    if (Array.isArray(value)) return value.map(rename);
    if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rename(v)]));
    return value;
  };
  return {
    ...definition,
    name: `${definition.name}${n}`,
    namespace: `${definition.namespace}-${n}`,
    build(component) {
      const outputs = definition.build(component);
      for (const construct of component.node.findAll()) {
        if (!ApiObject.isApiObject(construct)) continue;
        const toJson = construct.toJson.bind(construct);
        construct.toJson = () => rename(toJson());
      }
      return outputs;
    },
  };
}
