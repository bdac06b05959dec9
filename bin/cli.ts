import { type CliIo, EXIT, processIo, UsageError } from './io.ts';

type Command = (args: string[], io: CliIo) => Promise<number>;

/** Each command lives in its own module, loaded only when used so start-up stays quick. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  // (entries are added as commands land)
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
