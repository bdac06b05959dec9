import * as z from 'zod/mini';

/** The EventBridge envelope every bus-delivered source shares; `detail` is the source's own. */
export function eventBridgeEvent<D extends z.ZodMiniType>(detail: D) {
  return z.object({
    version: z.optional(z.string()),
    id: z.string().check(z.minLength(1)),
    'detail-type': z.string(),
    source: z.string(),
    account: z.optional(z.string()),
    time: z.optional(z.string()),
    region: z.optional(z.string()),
    resources: z.optional(z.array(z.string())),
    detail,
  });
}

/** Just enough of an envelope to route it to the right normalizer. */
export const envelopeProbe = z.object({
  'detail-type': z.string(),
  source: z.string(),
  detail: z.unknown(),
});
