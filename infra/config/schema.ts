// The deployment config file's schema: one YAML file describes a whole credvend deployment.
// Unknown fields are errors (a typo must not silently deploy a default).
import { z } from "zod";
import { anomalyThresholds } from "../../functions/core/anomalies/thresholds.js";
import { parseDuration } from "../../functions/core/policy/duration.js";
import { DEFAULT_MEMORY_MB, LAMBDA_MEMORY_MB } from "./memory-defaults.js";

const NAME = /^[a-z][a-z0-9-]{0,62}$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\x21-\x7e]{1,576}$/;

const duration = (min: number, max: number) =>
  z.string().refine(
    (text) => {
      const seconds = parseDuration(text);
      return seconds !== undefined && seconds >= min && seconds <= max;
    },
    { message: `must be a duration such as 15m or 1h, from ${min}s to ${max}s` },
  );

const MEMORY_MESSAGE = `must be a whole number of MB from ${LAMBDA_MEMORY_MB.min} to ${LAMBDA_MEMORY_MB.max} (Lambda's range; CPU grows with it: docs/memory-sizing.md)`;

/** Lambda memory in MB; its default per function is in memory-defaults.ts. */
const memoryMb = (defaultMb: number) =>
  z
    .number({ error: MEMORY_MESSAGE })
    .int({ error: MEMORY_MESSAGE })
    .min(LAMBDA_MEMORY_MB.min, { error: MEMORY_MESSAGE })
    .max(LAMBDA_MEMORY_MB.max, { error: MEMORY_MESSAGE })
    .default(defaultMb);

const functionSettings = (defaultMemoryMb: number) =>
  z.strictObject({
    /** Caps concurrent executions: the blast radius of a flood, and the account's share. */
    reservedConcurrency: z.number().int().min(1).max(1000).optional(),
    memoryMb: memoryMb(defaultMemoryMb),
    timeoutSeconds: z.number().int().min(1).max(900).default(15),
  });

/**
 * A function run by a schedule or the ledger's stream (sweeper, poller, anomalies): only its
 * memory. Its timeout is 60 s, fixed, as its run bounds itself to 50 s; it reserves no concurrency.
 */
const backgroundFunctionSettings = (defaultMemoryMb: number) => z.strictObject({ memoryMb: memoryMb(defaultMemoryMb) });

/** A worker deployed from a zip signed with `credvend plugin sign`: the exact bytes that were signed. */
const signedPackage = z.strictObject({
  zip: z.string().min(1),
  /** Default: manifest.json beside the zip. */
  manifest: z.string().min(1).optional(),
  /** Default: manifest.sig beside the zip. */
  signature: z.string().min(1).optional(),
  /** The handler inside the zip. */
  handler: z
    .string()
    .regex(/^[\w./-]+\.[A-Za-z_$][\w$]*$/, "must look like index.handler")
    .default("index.handler"),
  /**
   * `python` for a worker in Python (its zip vendors what it imports): it runs on the newest
   * Lambda Python runtime, as the others on the newest Node one. The manifest must allow it.
   */
  runtime: z.enum(["python"]).optional(),
});

export const WORKER_KINDS = ["local-tokens", "aws-sts", "github", "custom"] as const;

const worker = z.strictObject({
  name: z.string().regex(NAME, "must be lower-case letters, digits and dashes, starting with a letter"),
  /** Which extra resources and grants the worker gets; `custom` gets none. */
  kind: z.enum(WORKER_KINDS),
  providers: z.array(z.string().regex(/^[a-z][a-z0-9-]*$/, "must be a lower-case provider name")).min(1),
  /** The Lambda entry (bundled at synth). Default plugin-workers/<kind>/lambda.ts; required for custom. */
  entry: z.string().min(1).optional(),
  package: signedPackage.optional(),
  /** Opt in to calling this worker without a verified manifest (loud warning + audit event). */
  allowUnsigned: z.boolean().default(false),
  /** Other principals (role/user ARNs) granted local-tokens' introspection URL, or a custom worker's URL for its own routes; never the gRPC service. */
  invokers: z
    .array(z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[\x21-\x7e]{1,576}$/, "must be an IAM role or user ARN"))
    .default([]),
  /** Plain, non-secret settings for the worker. */
  environment: z
    .record(z.string(), z.string())
    .default({})
    .superRefine((environment, context) => {
      // Per key, so the problem names the variable (zod's own record-key error does not say why).
      for (const name of Object.keys(environment))
        if (!/^[A-Z][A-Z0-9_]*$/.test(name))
          context.addIssue({ code: "custom", path: [name], message: "must be an UPPER_SNAKE_CASE name" });
    }),
  settings: functionSettings(DEFAULT_MEMORY_MB.worker).prefault({}),
});

const trustedKey = z.strictObject({
  keyId: z.string().regex(/^[0-9a-f]{16}$/, "must be the 16-hex-digit key id printed by `credvend keys generate`"),
  /** Ed25519 public key, base64 (32 bytes). */
  publicKey: z.string().regex(/^[A-Za-z0-9+/]{43}=$/, "must be a base64 Ed25519 public key (32 bytes)"),
});

export const deploymentConfigSchema = z.strictObject({
  version: z.literal(1),
  /** Names the stack (credvend-<stage>) and prefixes resource names. */
  stage: z.string().regex(/^[a-z][a-z0-9-]{0,19}$/, "must be 1-20 lower-case letters, digits and dashes"),
  /** Where to deploy; default: the CLI's account and region (CDK_DEFAULT_ACCOUNT/REGION). */
  env: z
    .strictObject({
      account: z
        .string()
        .regex(/^\d{12}$/, "must be a 12-digit AWS account id")
        .optional(),
      region: z
        .string()
        .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "must be an AWS region such as eu-west-1")
        .optional(),
    })
    .default({}),
  /** The policy file, relative to this config file; shipped inside the vend function's code. */
  policy: z.string().min(1),
  /** What the policy must trust: synth fails if the policy file says otherwise. */
  oidc: z.strictObject({
    audience: z.string().min(1),
    issuers: z.array(z.url({ protocol: /^https$/ })).min(1),
  }),
  trustedKeys: z.array(trustedKey).default([]),
  workers: z.array(worker).min(1),
  workerTimeoutMs: z.number().int().min(100).max(60_000).default(5000),
  functions: z
    .strictObject({
      vend: functionSettings(DEFAULT_MEMORY_MB.vend).prefault({}),
      webhooks: functionSettings(DEFAULT_MEMORY_MB.webhooks).prefault({}),
      sweeper: backgroundFunctionSettings(DEFAULT_MEMORY_MB.sweeper).prefault({}),
      /** Used when github.alertPoller is set. */
      poller: backgroundFunctionSettings(DEFAULT_MEMORY_MB.poller).prefault({}),
      /** Used when anomalies.enabled. */
      anomalies: backgroundFunctionSettings(DEFAULT_MEMORY_MB.anomalies).prefault({}),
    })
    .prefault({}),
  /** Deploy the webhooks function (leak response). */
  webhooks: z.strictObject({ enabled: z.boolean().default(true) }).prefault({}),
  logRetentionDays: z
    .union([z.literal(7), z.literal(14), z.literal(30), z.literal(90), z.literal(180), z.literal(365), z.literal(731)])
    .default(90),
  notifications: z
    .strictObject({
      /** Optional email subscription to the alert topic (confirmed by the recipient). */
      email: z.email().optional(),
      /** Chat (Slack-compatible incoming webhook) and signed JSON webhook notifiers; each gets a secret to fill. */
      notifiers: z
        .array(
          z.strictObject({
            name: z.string().regex(NAME, "must be lower-case letters, digits and dashes, starting with a letter"),
            kind: z.enum(["slack", "webhook"]),
            /** `high`: only alerts that need a human now; default every alert. */
            minUrgency: z.enum(["low", "high"]).default("low"),
          }),
        )
        .default([])
        .refine((list) => new Set(list.map((n) => n.name)).size === list.length, { message: "notifier names must be unique" }),
    })
    .prefault({}),
  /** Anomaly rules on the ledger's change stream; thresholds default as in functions/core/anomalies/thresholds.ts. */
  anomalies: z
    .looseObject({ enabled: z.boolean().default(true) })
    .superRefine(({ enabled: _enabled, ...thresholds }, context) => {
      try {
        anomalyThresholds(thresholds, "anomalies");
      } catch (error) {
        context.addIssue({
          code: "custom",
          message: (error as Error).message.replace(/^anomalies(\.\w+)?: /, ""),
          path: [(error as Error).message.match(/^anomalies\.(\w+)/)?.[1] ?? ""],
        });
      }
    })
    .prefault({}),
  github: z
    .strictObject({
      appId: z.number().int().positive().optional(),
      /** GitHub Enterprise Server API base; default https://api.github.com. */
      apiUrl: z.url({ protocol: /^https$/ }).optional(),
      /** Repositories whose secret-scanning alerts this deployment handles (globs, e.g. acme/*); default all. */
      watchedRepositories: z
        .array(z.string().regex(/^[A-Za-z0-9_.*-]+\/[A-Za-z0-9_.*-]+$/, "must be owner/repo, * allowed"))
        .min(1)
        .optional(),
      /**
       * Lists the open secret-scanning alerts of these owners or repositories on a schedule, so a
       * leak is contained even when its webhook was lost (GitHub never redelivers). Needs appId.
       */
      alertPoller: z
        .strictObject({
          watch: z
            .array(
              z
                .string()
                .regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,38}(\/[A-Za-z0-9_.-]{1,100})?$/, "must be an owner or owner/repo name (no globs)"),
            )
            .min(1),
          /** How often: 1m to 1h. Each run costs one request per watched name when nothing is new. */
          every: duration(60, 3600)
            .refine((text) => (parseDuration(text) ?? 0) % 60 === 0, { message: "must be whole minutes (a schedule's unit)" })
            .default("1m"),
        })
        .optional(),
    })
    .refine((github) => !github.alertPoller || github.appId !== undefined, {
      message: "alertPoller needs appId: the list endpoints are read as the GitHub App",
      path: ["alertPoller"],
    })
    .prefault({}),
  awsSts: z
    .strictObject({
      /** Longest vended session. A Lambda's AssumeRole is role chaining, which AWS caps at 1h. */
      maxSessionDuration: duration(900, 3600).default("1h"),
      /** Lets the aws-sts worker revoke one session early (iam:PutRolePolicy on the vended role). */
      sessionRevocation: z.boolean().default(false),
      /** The ceiling of what any vended session may do; session policies narrow it per request. */
      managedPolicyArns: z
        .array(z.string().regex(/^arn:aws[a-z-]*:iam::(aws|\d{12}):policy\/.+$/, "must be an IAM policy ARN"))
        .default([]),
      /** Caps the vended role when sessionRevocation lets the worker write its inline policy; default: the one ceiling policy. */
      permissionsBoundaryArn: z
        .string()
        .regex(/^arn:aws[a-z-]*:iam::(aws|\d{12}):policy\/.+$/, "must be an IAM policy ARN")
        .optional(),
      /** Existing roles vended as is by `aws:role:<name>`; each must trust the aws-sts worker's role. */
      namedRoles: z
        .record(
          z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, "must be a lower-case role alias"),
          z.string().regex(ROLE_ARN, "must be an IAM role ARN"),
        )
        .default({}),
    })
    .prefault({}),
});

export type DeploymentConfigInput = z.input<typeof deploymentConfigSchema>;
export type ParsedDeploymentConfig = z.output<typeof deploymentConfigSchema>;
export type WorkerConfig = ParsedDeploymentConfig["workers"][number];
export type FunctionSettings = z.output<ReturnType<typeof functionSettings>>;
export type WorkerKind = (typeof WORKER_KINDS)[number];
