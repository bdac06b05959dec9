import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError } from '../shared/domain/errors.ts';
import { loadResponderConfig, type ResponderConfig } from './config.ts';
import { RevocationResponderStack } from './stack.ts';

/** `cdk synth` / `cdk deploy` entry (cdk.json: `node infra/app.ts`). */
const app = new App();
let config: ResponderConfig;
try {
  config = loadResponderConfig((key) => app.node.tryGetContext(key));
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`revocation-responder: ${error.message}\n`);
  process.exit(1);
}
new RevocationResponderStack(app, 'RevocationResponder', { config });
// Every AwsSolutions finding fails the synth unless acknowledged with a reason.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
