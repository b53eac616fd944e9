// At synth, each worker goes through the same verifyWorker() the core runs at cold start, with
// the zip about to be uploaded as the deployed code: a worker the core would refuse (unsigned
// without allowUnsigned, unknown key, bad signature, undeclared provider, zip not the signed one)
// fails synth instead of being deployed.
import { TrustStore, TrustStoreError, verifyWorker, type TrustedKeyConfig } from "../../functions/core/plugin-trust/index.js";
import type { ResolvedWorker } from "./resolved-worker.js";

export async function verifyWorkersAtSynth(
  workers: readonly ResolvedWorker[],
  trustedKeys: readonly TrustedKeyConfig[],
  problems: string[],
): Promise<void> {
  let trust: TrustStore;
  try {
    trust = TrustStore.fromConfig(trustedKeys, "trustedKeys");
  } catch (error) {
    if (!(error instanceof TrustStoreError)) throw error;
    problems.push(error.message);
    return;
  }
  for (const [i, worker] of workers.entries()) {
    const signed = worker.signed;
    const verdict = await verifyWorker(
      { name: worker.name, providers: worker.providers, allowUnsigned: worker.allowUnsigned, ...(signed ? { signed } : {}) },
      trust,
      { deployedConfiguration: async () => ({ codeSha256: signed?.codeSha256 ?? "" }) },
    );
    if (verdict.status !== "refused") continue;
    const field = verdict.reason === "unsigned" ? `workers[${i}]` : `workers[${i}].package`;
    const hint = verdict.reason === "unsigned" ? " (set package to its signed zip, or allowUnsigned: true)" : verdict.reason === "code_mismatch" ? " (sign this zip again)" : "";
    problems.push(`${field}: the core would refuse this worker: ${verdict.reason}: ${verdict.detail}${hint}`);
  }
}
