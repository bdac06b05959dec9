import * as z from 'zod/mini';
import { CONTAINMENT_ACTIONS, type ContainmentAction } from './containment.ts';
import type { InvalidInputError, Result } from './errors.ts';
import { parseWith } from './validation.ts';

/**
 * An operator's decision on an incident (approve, deny, release): one word, `reason`, for why.
 * `actions` narrows an approval to some of the held actions; `subjects` and `detections` narrow
 * a burst request to some of its detections.
 */
export interface OperatorDecision {
  reason: string;
  actions?: ContainmentAction[];
  subjects?: string[];
  detections?: string[];
}

const names = z
  .array(z.string().check(z.minLength(1), z.maxLength(512)))
  .check(z.minLength(1), z.maxLength(1000));

const decisionSchema = z.strictObject({
  reason: z
    .string()
    .check(
      z.trim(),
      z.minLength(10, 'give the reason in at least 10 characters'),
      z.maxLength(2000),
    ),
  actions: z.optional(
    z
      .array(z.enum(CONTAINMENT_ACTIONS))
      .check(z.minLength(1), z.maxLength(CONTAINMENT_ACTIONS.length)),
  ),
  subjects: z.optional(names),
  detections: z.optional(names),
});

export function parseOperatorDecision(input: unknown): Result<OperatorDecision, InvalidInputError> {
  return parseWith(decisionSchema, input, 'operator decision') as Result<
    OperatorDecision,
    InvalidInputError
  >;
}
