import { bundleComposition } from '/work/wt/p15-perf/bench/lib/lambda-bundle.ts';
import { statSync } from 'node:fs';
const out = process.argv[3] ?? '/tmp/p15/out/index.mjs';
const c = await bundleComposition(process.argv[2] ?? 'functions/respond/handler.ts', out);
console.log(statSync(out).size, Object.entries(c).slice(0,80).map(([k,v])=>`${k}:${(v/1024).toFixed(1)}`).join('\n'));
