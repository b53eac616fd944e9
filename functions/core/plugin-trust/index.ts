export { generateKeyPair, keyIdOf, keyPairFromPrivate, type Ed25519KeyPair } from "./ed25519.js";
export { CAPABILITIES, canonicalManifestBytes, parseManifest, type PluginManifest } from "./manifest.js";
export { checkManifestSignature, signManifest, type SignedManifest } from "./sign-manifest.js";
export { TrustStore, TrustStoreError } from "./trust-store.js";
export {
  verifyWorker,
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
