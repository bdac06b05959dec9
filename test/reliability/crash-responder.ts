import { DynamoDbLedgerStore } from '../../shared/adapters/dynamodb/ledger-store.ts';
import { EntraIdentityProvider } from '../../shared/adapters/graph/entra-identity-provider.ts';
import { InMemoryContainmentWindow } from '../../shared/adapters/memory/containment-window.ts';
import { defaultOwnershipMap } from '../../shared/config/load-ownership.ts';
import { defaultContainmentPolicy } from '../../shared/config/load-policy.ts';
import { CONTROL_CATALOG } from '../../shared/domain/controls/catalog.ts';
import type { Detection } from '../../shared/domain/detection.ts';
import { localDynamoDbClient } from '../../shared/local/embedded-dynamodb.ts';
import { systemClock } from '../../shared/ports/clock.ts';
import { silentLog } from '../../shared/ports/log.ts';
import { type RespondDeps, respond } from '../../shared/use-cases/respond.ts';

/**
 * The responder as a process of its own, for the crash test: respond() against the simulated
 * tenant and DynamoDB Local, as the respond function runs it. Run as a script with one JSON
 * argument (CrashResponderConfig); prints the result as one JSON line. Killing it mid-way is
 * the point.
 */

export interface CrashResponderConfig {
  dynamodbEndpoint: string;
  tableName: string;
  graphBaseUrl: string;
  authorityHost: string;
  credentials: { tenantId: string; clientId: string; clientSecret: string };
  ca: string;
  detection: Detection;
}

/** What respond() needs, wired to the given tenant and ledger table. */
export function crashResponderDeps(config: CrashResponderConfig): {
  deps: RespondDeps;
  provider: EntraIdentityProvider;
  ledger: DynamoDbLedgerStore;
} {
  const provider = new EntraIdentityProvider({
    mode: 'simulated',
    trustedCa: config.ca,
    config: {
      graphBaseUrl: config.graphBaseUrl,
      authorityHost: config.authorityHost,
      tenants: [config.credentials],
    },
  });
  const ledger = new DynamoDbLedgerStore({
    client: localDynamoDbClient(config.dynamodbEndpoint),
    tableName: config.tableName,
  });
  return {
    provider,
    ledger,
    deps: {
      identityProviderFor: (d) => (d.tenant.provider === 'entra' ? provider : undefined),
      policy: defaultContainmentPolicy,
      window: new InMemoryContainmentWindow(),
      catalog: CONTROL_CATALOG,
      ownership: defaultOwnershipMap,
      ledger,
      events: { publish: async () => undefined },
      clock: systemClock,
      log: silentLog,
      mode: 'simulated',
    },
  };
}

if (process.argv[1] === import.meta.filename) {
  const config = JSON.parse(process.argv[2] ?? '{}') as CrashResponderConfig;
  const { deps, provider } = crashResponderDeps(config);
  const result = await respond(
    { detection: config.detection, sender: 'local:cli', deadline: Date.now() + 60_000 },
    deps,
  ).catch((error: unknown) => ({ error: String(error) }));
  process.stdout.write(`${JSON.stringify(result)}\n`);
  provider.close();
}
