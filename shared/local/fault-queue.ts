/**
 * The faults a simulator injects into its next matching requests, each for `times` requests
 * (once by default). Shared by the simulated Entra tenant and the simulated AWS IAM.
 */
export class FaultQueue<R extends { times?: number }> {
  readonly #rules: (R & { remaining: number })[] = [];

  inject(rule: R): void {
    this.#rules.push({ ...rule, remaining: rule.times ?? 1 });
  }

  clear(): void {
    this.#rules.length = 0;
  }

  /** Requests still to be answered with a fault. */
  pending(): number {
    return this.#rules.reduce((sum, rule) => sum + rule.remaining, 0);
  }

  /** The first rule that matches, used up once; undefined when none matches. */
  take(matches: (rule: R) => boolean): R | undefined {
    const index = this.#rules.findIndex((rule) => rule.remaining > 0 && matches(rule));
    const rule = this.#rules[index];
    if (!rule) return undefined;
    rule.remaining -= 1;
    if (rule.remaining === 0) this.#rules.splice(index, 1);
    return rule;
  }
}
