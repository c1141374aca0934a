/**
 * The AWS SAM template for a set of Lambda bundles: one `AWS::Serverless::Function` per durable
 * entry, with `DurableConfig` (SAM passes it to `AWS::Lambda::Function.DurableConfig`; with it,
 * SAM gives the generated role `AWSLambdaBasicDurableExecutionRolePolicy`, i.e. the checkpoint
 * permissions). `AutoPublishAlias` publishes a version per deploy: durable executions are
 * pinned to the version they started on, so in-flight executions keep their code.
 */
import type { BundledEntry } from "./bundle-project.js";

export interface DeploymentOptions {
  /** `DurableConfig.ExecutionTimeout` in seconds (1…31622400; default 86400, one day). */
  executionTimeoutSeconds?: number;
  /** `DurableConfig.RetentionPeriodInDays` (1…90; default 14). */
  retentionPeriodInDays?: number;
  /** Timeout of one invocation in seconds (default 900, Lambda's maximum). */
  invocationTimeoutSeconds?: number;
  /** Memory in MB (default 512). */
  memorySize?: number;
  /** Alias published on every deploy (default `live`). */
  alias?: string;
}

const q = (s: string) => JSON.stringify(s);

export function samTemplate(entries: readonly BundledEntry[], options: DeploymentOptions = {}): string {
  const timeout = options.executionTimeoutSeconds ?? 86_400;
  const retention = options.retentionPeriodInDays ?? 14;
  if (!Number.isInteger(timeout) || timeout < 1 || timeout > 31_622_400) throw new RangeError(`ExecutionTimeout must be an integer from 1 to 31622400 seconds (got ${timeout}).`);
  if (!Number.isInteger(retention) || retention < 1 || retention > 90) throw new RangeError(`RetentionPeriodInDays must be an integer from 1 to 90 (got ${retention}).`);
  const lines = [
    `AWSTemplateFormatVersion: "2010-09-09"`,
    `Transform: AWS::Serverless-2016-10-31`,
    `Description: Durable functions compiled by durablec (one bundle per entry; see durable.manifest.json).`,
    ``,
    `Globals:`,
    `  Function:`,
    `    Runtime: nodejs22.x`,
    `    Architectures: [arm64]`,
    `    MemorySize: ${options.memorySize ?? 512}`,
    `    Timeout: ${options.invocationTimeoutSeconds ?? 900}`,
    `    Environment:`,
    `      Variables:`,
    `        NODE_OPTIONS: --enable-source-maps`,
    ``,
    `Resources:`,
  ];
  for (const e of entries) {
    lines.push(
      `  ${e.logicalId}:`,
      `    Type: AWS::Serverless::Function`,
      `    Metadata:`,
      `      DurablecEntry: ${q(e.entry)}`,
      `    Properties:`,
      `      CodeUri: ${q(e.codeUri)}`,
      `      Handler: ${e.handler}`,
      `      AutoPublishAlias: ${options.alias ?? "live"}`,
      `      DurableConfig:`,
      `        ExecutionTimeout: ${timeout}`,
      `        RetentionPeriodInDays: ${retention}`,
    );
  }
  lines.push(``, `Outputs:`);
  for (const e of entries) {
    lines.push(`  ${e.logicalId}Alias:`, `    Description: Qualified ARN to invoke ${e.entry} with`, `    Value: !Ref ${e.logicalId}.Alias`);
  }
  return lines.join("\n") + "\n";
}
