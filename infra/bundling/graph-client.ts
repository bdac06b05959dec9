/**
 * Bundled into every function in place of `@microsoft/microsoft-graph-client`'s index (an
 * esbuild alias set by infra/constructs/responder-function.ts). The package declares no
 * `sideEffects`, so esbuild keeps every module its index re-exports (batching, large file
 * upload, page iteration...). This entry names only what the Graph adapter uses, from the
 * package's own ES modules: about 12 KB less in each bundle. Importing anything else from the
 * package fails the bundle build, so this list cannot silently fall behind. The paths are
 * relative because the alias would rewrite the package's own name here too.
 */
export { Client } from '../../node_modules/@microsoft/microsoft-graph-client/lib/es/src/Client.js';
export { GraphError } from '../../node_modules/@microsoft/microsoft-graph-client/lib/es/src/GraphError.js';
export { AuthenticationHandler } from '../../node_modules/@microsoft/microsoft-graph-client/lib/es/src/middleware/AuthenticationHandler.js';
export { TelemetryHandler } from '../../node_modules/@microsoft/microsoft-graph-client/lib/es/src/middleware/TelemetryHandler.js';
