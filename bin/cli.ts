import { type CliIo, EXIT, processIo, UsageError } from './io.ts';

type Command = (args: string[], io: CliIo) => Promise<number>;

/** Each command lives in its own module, loaded only when used so start-up stays quick. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  attribute: {
    summary: 'attribute a detection to the controls that failed and their owners (pure)',
    load: async () => (await import('./commands/attribute.ts')).attributeCommand,
  },
  respond: {
    summary: 'run one detection end to end: contain, attribute, open tickets, record (local mode)',
    load: async () => (await import('./commands/respond.ts')).respondCommand,
  },
  serve: {
    summary: 'run the local HTTP API (same routes as the deployed one) until interrupted',
    load: async () => (await import('./commands/serve.ts')).serveCommand,
  },
  ledger: {
    summary: 'query, verify and summarise the accountability ledger (local state folder)',
    load: async () => (await import('./commands/ledger.ts')).ledgerCommand,
  },
  incidents: {
    summary: 'list incidents and their state (awaitingApproval, contained, released...)',
    load: async () => (await import('./commands/incidents.ts')).incidentsCommand,
  },
  approve: {
    summary: 'run the actions an incident holds for approval (all, or --action A ...)',
    load: async () => (await import('./commands/operator.ts')).approveCommand,
  },
  deny: {
    summary: 'close the actions an incident holds for approval without running them',
    load: async () => (await import('./commands/operator.ts')).denyCommand,
  },
  release: {
    summary: 'restore what containment changed, after investigation',
    load: async () => (await import('./commands/operator.ts')).releaseCommand,
  },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return ['usage: responder <command> [options]', '', 'commands:', ...lines].join('\n');
}

export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage());
    return name ? EXIT.ok : EXIT.badInput;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`unknown command '${name}'\n\n${usage()}`);
    return EXIT.badInput;
  }
  try {
    return await (await command.load())(args, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`responder ${name}: ${error.message}`);
      return EXIT.badInput;
    }
    io.err(`responder ${name}: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT.failed;
  }
}
