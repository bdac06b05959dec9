#!/usr/bin/env node
// The `responder` CLI. Node 24 runs the TypeScript sources directly (type stripping), so there is
// no build step. `npx responder` and npm scripts put the project's own Node 24 first on PATH.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `responder needs Node.js 24 (found ${process.versions.node}). Run it through npm (\`npx responder\`, \`npm start\`), which uses the Node 24 installed in node_modules.\n`,
  );
  process.exit(2);
}
const { main } = await import('./cli.ts');
process.exitCode = await main(process.argv.slice(2));
