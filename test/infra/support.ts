import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { loadResponderConfig, PROJECT_ROOT } from '../../infra/config.ts';
import { RevocationResponderStack } from '../../infra/stack.ts';

/** cdk.json's context (responder keys and CDK feature flags), as `cdk synth` reads it. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  return cdkJson.context;
}

export interface Synthesized {
  app: App;
  stack: RevocationResponderStack;
  template: Template;
}

/**
 * The stack as `cdk synth` builds it, with `overrides` on top of cdk.json's context. Bundling
 * is skipped (the template does not depend on it; bundling is tested on its own), so a synth
 * takes a second instead of five esbuild runs.
 */
export function synthesizeStack(overrides: Record<string, unknown> = {}): Synthesized {
  const app = new App({
    context: { ...cdkJsonContext(), ...overrides, 'aws:cdk:bundling-stacks': [] },
  });
  const config = loadResponderConfig((key) => app.node.tryGetContext(key));
  const stack = new RevocationResponderStack(app, 'RevocationResponder', { config });
  return { app, stack, template: Template.fromStack(stack) };
}

/** An `ssfTransmitter` context that deploys the Shared Signals transmitter. */
export const SSF_TRANSMITTER_CONTEXT = {
  issuer: 'https://idp.example.com/oauth2/default',
  audience: 'api://revocation-responder-ssf',
  jwksUri: 'https://idp.example.com/oauth2/default/v1/keys',
};

let defaultStack: Synthesized | undefined;

/**
 * The stack as cdk.json configures it, synthesized once per test file and shared by every
 * check in it (vitest isolates test files, so each file that calls this pays for one synth).
 */
export function synthesizeDefaultStack(): Synthesized {
  defaultStack ??= synthesizeStack();
  return defaultStack;
}

export interface CfnResource {
  Type: string;
  Properties: Record<string, unknown>;
  [key: string]: unknown;
}

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

export function actionsOf(statement: PolicyStatement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

export function resourcesOf(statement: PolicyStatement): unknown[] {
  return Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
}

/** The logical id of the one resource of `type` at construct path `path` (`/`s removed). */
export function logicalIdOf(template: Template, type: string, path: string): string {
  const ids = Object.keys(template.findResources(type)).filter(
    (id) => id.replace(/[0-9A-F]{8}$/, '') === path,
  );
  if (ids.length !== 1) {
    throw new Error(`expected one ${type} at ${path}, found ${ids.join(', ') || 'none'}`);
  }
  return ids[0] as string;
}

/** Every statement of the inline policies attached to the role with logical id `roleId`. */
export function statementsOfRole(template: Template, roleId: string): PolicyStatement[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy')) as CfnResource[];
  return policies
    .filter((policy) =>
      ((policy.Properties.Roles as unknown[]) ?? []).some(
        (role) => JSON.stringify(role) === JSON.stringify({ Ref: roleId }),
      ),
    )
    .flatMap(
      (policy) => (policy.Properties.PolicyDocument as { Statement: PolicyStatement[] }).Statement,
    );
}

/** `{ "Fn::GetAtt": [id, "Arn"] }` or `{ Ref: id }` naming the resource `id`? */
export function refersTo(value: unknown, id: string): boolean {
  const json = JSON.stringify(value);
  return (
    json === JSON.stringify({ 'Fn::GetAtt': [id, 'Arn'] }) || json === JSON.stringify({ Ref: id })
  );
}

/** A function's environment variables; CloudFormation tokens stay objects (`{ Ref: ... }`). */
export function environmentOf(template: Template, functionId: string): Record<string, unknown> {
  const fn = template.findResources('AWS::Lambda::Function')[functionId] as CfnResource | undefined;
  if (!fn) throw new Error(`no function ${functionId}`);
  return (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
}
