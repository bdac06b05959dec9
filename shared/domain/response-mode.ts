/**
 * How a response acts: `live` calls the real provider, `simulated` acts on a simulator and says
 * so in every output, `dry-run` plans and records without calling anything.
 */
export const RESPONSE_MODES = ['live', 'simulated', 'dry-run'] as const;
export type ResponseMode = (typeof RESPONSE_MODES)[number];

/** The modes a provider (or a deployment) acts in: a dry run is a per-response choice. */
export type ProviderMode = Exclude<ResponseMode, 'dry-run'>;
