#!/usr/bin/env node
// The cdk8s app command (cdk8s.yaml) and `npm run synth`: the TypeScript starts through the
// content-cached transpile loader, as every tool does.
require('./lib/ts-loader');
require('../main.ts').run(process.argv.slice(2));
