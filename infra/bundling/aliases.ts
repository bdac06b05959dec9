/**
 * Packages replaced at bundle time by a stand-in made for Lambda (paths from the project root,
 * where esbuild runs). Used by ResponderFunction and by the benchmark's bundler alike.
 */
export const BUNDLE_ALIASES: Readonly<Record<string, string>> = {
  '@aws-sdk/credential-provider-node': './infra/bundling/lambda-aws-credentials.ts',
  '@microsoft/microsoft-graph-client': './infra/bundling/graph-client.ts',
};
