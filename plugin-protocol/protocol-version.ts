// The protocol a worker speaks, and the compatibility rules between a worker and a core.
//
// The proto package names the major version (credvend.plugin.v1); `major.minor` says more. A minor
// only adds: new RPCs, new fields, new enum values, all optional to the other side. So a core
// speaks to any worker of its own major: an older minor is called only through the steps that
// minor has, a newer minor is called as this core's minor (it must still serve that). Another
// major is refused. A worker that reports no version in Describe is 1.0 (the field came in 1.1).

/** The protocol a worker names in Describe and its manifest: the proto package it speaks. */
export const PLUGIN_PROTOCOL = "credvend.plugin.v1";

/** The `major.minor` this code speaks (the core and the SDK). */
export const PROTOCOL_VERSION = "1.2";

/** What a worker speaking no declared version (a manifest signed before versions, Describe without the field) is read as. */
export const BASELINE_PROTOCOL_VERSION = "1.0";

/**
 * The steps each minor of major 1 added. 1.0: Describe, ValidateScope, AnalyzeScope, SerializeScope,
 * Vend, Revoke (REVOKED, ALREADY_GONE). 1.1: Prepare (one round trip for validate, analyze and
 * serialize), VendResponse.manual_revocation_url, REVOKE_OUTCOME_MANUAL_REQUIRED,
 * DescribeResponse.protocol_version. 1.2: TrustPolicy (self-serve trust), optional to a worker: one
 * without it answers UNIMPLEMENTED and delegation is unavailable for its providers; Vend with the
 * preparation inline (VendRequest.prepare: one round trip when the scopes are canonical).
 */
const STEP_SINCE_MINOR = { prepare: 1, trustPolicy: 2, vendInline: 2 } as const;

export type VersionedStep = keyof typeof STEP_SINCE_MINOR;

export interface ProtocolVersion {
  readonly major: number;
  readonly minor: number;
}

const VERSION = /^(0|[1-9]\d{0,3})\.(0|[1-9]\d{0,3})$/;

/** `major.minor`, both plain decimal numbers; undefined for anything else. */
export function parseProtocolVersion(text: string): ProtocolVersion | undefined {
  const match = VERSION.exec(text);
  return match ? { major: Number(match[1]), minor: Number(match[2]) } : undefined;
}

/** The major version a proto package name (`credvend.plugin.vN`) carries. */
export function majorOfProtocol(protocol: string): number | undefined {
  const match = /^credvend\.plugin\.v([1-9]\d{0,3})$/.exec(protocol);
  return match ? Number(match[1]) : undefined;
}

export type Compatibility =
  | { readonly compatible: true; readonly version: ProtocolVersion }
  | { readonly compatible: false; readonly detail: string };

/** Whether a core speaking `core` may call a worker that speaks `worker`; the detail (after "worker X ") names both. */
export function protocolCompatibility(worker: string, core: string = PROTOCOL_VERSION): Compatibility {
  const theirs = parseProtocolVersion(worker);
  const ours = parseProtocolVersion(core)!;
  if (!theirs) return { compatible: false, detail: `names protocol version "${worker}", which is not major.minor` };
  if (theirs.major !== ours.major)
    return {
      compatible: false,
      detail: `speaks plugin protocol ${worker}; this core speaks ${core} (major ${ours.major} only)`,
    };
  return { compatible: true, version: theirs };
}

/** Whether a worker of this (compatible) version serves the step. */
export function hasStep(version: ProtocolVersion, step: VersionedStep): boolean {
  return version.minor >= STEP_SINCE_MINOR[step];
}
