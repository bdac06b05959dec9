import { join } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { BUNDLE_ALIASES } from '../bundling/aliases.ts';
import { PROJECT_ROOT } from '../config.ts';
import { acknowledgeNag } from '../nag.ts';

/** Powertools' service name and metrics namespace; the alarms read metrics by these. */
export const SERVICE_NAME = 'revocation-responder';
export const METRICS_NAMESPACE = 'RevocationResponder';

/** The define esbuild replaces at bundle time with the config files (env vars cap at 4 KB). */
const EMBEDDED_CONFIG_DEFINE = 'process.env.RESPONDER_EMBEDDED_CONFIG';

/**
 * ESM output still contains CommonJS dependencies that call `require` (the AWS SDK's and
 * Powertools' transitive deps); give them one. Aliased so minified code cannot collide.
 */
const REQUIRE_SHIM =
  "import { createRequire as __responderCreateRequire } from 'node:module'; const require = __responderCreateRequire(import.meta.url);";

/** esbuild `--alias:<package>=<stand-in>` flags: see infra/bundling/aliases.ts. */
const ALIAS_FLAGS = Object.entries(BUNDLE_ALIASES).map(([name, path]) => `${name}=${path}`);

export interface ResponderFunctionProps {
  /** Handler file relative to the repository root, e.g. `functions/respond/handler.ts`. */
  entry: string;
  description: string;
  /** JSON text of `{ ownership, policy, ticketSla }`, inlined by esbuild. */
  embeddedConfig: string;
  logRetentionDays: number;
  environment?: Record<string, string>;
  /** @default 256 */
  memorySize?: number;
  /** Node flags after `--enable-source-maps`, e.g. a V8 heap cap under the memory size. */
  nodeOptions?: string;
  /** @default 30 seconds */
  timeout?: Duration;
  /** Why `Resource::*` grants are needed, when the role holds more of them than X-Ray's. */
  wildcardReason?: string;
  /** Caps this function's concurrency; unset leaves it on the account's pool. */
  reservedConcurrentExecutions?: number;
}

/**
 * Every responder Lambda: Node 24 on arm64, one ESM file bundled locally by esbuild (minified,
 * tree-shaken, source-mapped, AWS SDK included so the size measured is the size deployed and
 * the SDK version is the one tested; its credential chain cut to the environment), X-Ray
 * active, JSON logs in its own log group with a retention, and a role that starts with nothing
 * but writing to that log group.
 */
export class ResponderFunction extends NodejsFunction {
  /** The function's own log group (retention set, kept on stack deletion). */
  readonly logs: logs.LogGroup;
  /** The execution role; grants add to it. */
  readonly executionRole: iam.Role;

  constructor(scope: Construct, id: string, props: ResponderFunctionProps) {
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Our own role instead of AWSLambdaBasicExecutionRole: that policy may create any log group.
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.description} (revocation-responder)`,
    });
    super(scope, id, {
      entry: join(PROJECT_ROOT, props.entry),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(30),
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      tracing: lambda.Tracing.ACTIVE,
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      environment: {
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        NODE_OPTIONS: ['--enable-source-maps', props.nodeOptions].filter(Boolean).join(' '),
        ...props.environment,
      },
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        mainFields: ['module', 'main'],
        banner: REQUIRE_SHIM,
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        externalModules: [],
        bundleAwsSDK: true,
        define: { [EMBEDDED_CONFIG_DEFINE]: JSON.stringify(props.embeddedConfig) },
        esbuildArgs: {
          '--tree-shaking': 'true',
          '--legal-comments': 'none',
          '--alias': ALIAS_FLAGS,
        },
      },
    });
    this.logs = logGroup;
    this.executionRole = role;
    logGroup.grantWrite(role);
    acknowledgeNag(
      role,
      'AwsSolutions-IAM5[Resource::*]',
      props.wildcardReason ??
        'Active X-Ray tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, which support no resource-level permissions.',
    );
  }
}
