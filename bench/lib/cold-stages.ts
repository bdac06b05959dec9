/**
 * Where a cold start's time goes, from what one fresh respond process recorded: its own marks
 * (absolute epoch ms, sub-millisecond) and every outgoing HTTP request it made. Each stage runs
 * from one cut point to the next, so the stages add up to the total.
 */

export interface TracedRequest {
  host: string;
  method: string;
  path: string;
  start: number;
  /** When the response's status line and headers arrived; absent: never answered. */
  end?: number;
}

export interface ColdTrace {
  /** The parent's clock when it spawned the process. */
  spawnedAt: number;
  /** The loader's first line (Node itself has started). */
  started: number;
  /** First read of the function's configuration (LEDGER_TABLE_NAME): every module is evaluated. */
  configRead: number;
  /** The handler module's import settled: the cold start's init is over. */
  imported: number;
  requests: TracedRequest[];
  invocations: { invokedAt: number; doneAt: number; failures: number }[];
}

export interface ColdStages {
  /** Spawn to the loader's first line: Node's own start. */
  runtimeStart: number;
  /** Evaluating the bundle's modules, up to the first read of the configuration. */
  moduleLoad: number;
  /** Validating configuration and building the adapters, up to the credential request. */
  configuration: number;
  /** The Graph credential: the STS web identity token (federated) or the secret read. */
  credential: number;
  /** The Entra token endpoint's answer (client credentials with that credential). */
  token: number;
  /** The rest of init after the token (protected identities, other secrets, clients). */
  initAfterToken: number;
  /** Init over to the revoke acknowledged: the first detection through the handler. */
  revoke: number;
}

export interface ColdRun {
  totalMs: number;
  stages: ColdStages;
  /** Each later (warm) invocation: handler called to its revoke acknowledged. */
  warmMs: number[];
}

const REVOKE = /\/revokeSignInSessions(?:\?|$)/;

function answered(request: TracedRequest | undefined, what: string): number {
  if (request?.end === undefined) throw new Error(`cold trace: ${what} was never answered`);
  return request.end;
}

/** The revoke request made during an invocation, and when Graph acknowledged it. */
function revokeAck(trace: ColdTrace, invocation: ColdTrace['invocations'][number]): number {
  const revoke = trace.requests.find(
    (r) =>
      r.method === 'POST' &&
      REVOKE.test(r.path) &&
      r.start >= invocation.invokedAt &&
      r.start <= invocation.doneAt,
  );
  return answered(revoke, 'a revoke during the invocation');
}

/**
 * Cuts a cold process's trace into stages. `isCredential` and `isToken` pick the credential and
 * token requests; the first of each counts. Throws when a cut point is missing or out of order
 * (the init path changed and the stages would no longer add up).
 */
export function coldStages(
  trace: ColdTrace,
  isCredential: (request: TracedRequest) => boolean,
  isToken: (request: TracedRequest) => boolean,
): ColdRun {
  const credential = trace.requests.find(isCredential);
  const token = trace.requests.find(isToken);
  const [first, ...later] = trace.invocations;
  if (!credential) throw new Error('cold trace: no credential request');
  if (!token) throw new Error('cold trace: no token request');
  if (!first) throw new Error('cold trace: no invocation');
  const cuts: [string, number][] = [
    ['spawned', trace.spawnedAt],
    ['loader started', trace.started],
    ['configuration read', trace.configRead],
    ['credential requested', credential.start],
    ['credential answered', answered(credential, 'the credential request')],
    ['token answered', answered(token, 'the token request')],
    ['init over', trace.imported],
    ['first revoke acknowledged', revokeAck(trace, first)],
  ];
  for (let i = 1; i < cuts.length; i++) {
    const [name, at] = cuts[i] as [string, number];
    const [previous, before] = cuts[i - 1] as [string, number];
    if (at < before) throw new Error(`cold trace: ${name} came before ${previous}`);
  }
  const span = (i: number) => (cuts[i + 1]?.[1] ?? 0) - (cuts[i]?.[1] ?? 0);
  return {
    totalMs: (cuts.at(-1)?.[1] ?? 0) - trace.spawnedAt,
    stages: {
      runtimeStart: span(0),
      moduleLoad: span(1),
      configuration: span(2),
      credential: span(3),
      token: span(4),
      initAfterToken: span(5),
      revoke: span(6),
    },
    warmMs: later.map((invocation) => revokeAck(trace, invocation) - invocation.invokedAt),
  };
}
