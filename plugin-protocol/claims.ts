// The verified identity of a caller: the OIDC token's claims, every value as a string.
// Policy rules match on these names exactly as GitHub spells them (`repository`, `ref`,
// `job_workflow_ref`, ...), never on `sub` alone, whose format GitHub lets owners customize.
export type Claims = Readonly<Record<string, string>>;
