export { generateKeyPair, keyIdOf, keyPairFromPrivate, type Ed25519KeyPair } from "./ed25519.js";
export { CAPABILITIES, ManifestError, canonicalManifestBytes, parseManifest, type PluginManifest } from "./manifest.js";
export { checkManifestSignature, signManifest, type SignatureCheck, type SignedManifest } from "./sign-manifest.js";
export { TrustStore, TrustStoreError, decodeBase64, type TrustedKey, type TrustedKeyConfig } from "./trust-store.js";
export {
  verifyWorker,
  type RefusalReason,
  type TrustedRegistration,
  type WorkerEvidence,
  type WorkerVerdict,
} from "./verify-worker.js";
export {
  configurationDifferences,
  isForbiddenEnvironmentName,
  type ConfigurationDifference,
  type DeployedConfiguration,
  type LambdaConfiguration,
} from "./worker-configuration.js";
