#!/usr/bin/env node
// The cdk8s app command: transpile-only, so a synth never type-checks (`npm test` does).
require('ts-node').register({ transpileOnly: true });
require('../main.ts').run(process.argv.slice(2));
