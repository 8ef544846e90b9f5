import { Command, CommanderError } from 'commander';
import { TiercastError } from '../domain/errors.js';
import { ApiClient, CliError } from './api-client.js';
import { registerCreateTopicsCommand } from './commands/create-topics.js';
import { registerMlCommands } from './commands/ml.js';
import { registerObjectCommands } from './commands/objects.js';
import { registerServeCommand } from './commands/serve.js';
import { registerSimulationCommands } from './commands/simulate.js';
import { registerSystemCommands } from './commands/system.js';
import type { Output } from './output.js';

const DEFAULT_API = 'http://127.0.0.1:8000';

export function buildProgram(print: (text: string) => void = (t) => process.stdout.write(`${t}\n`)): Command {
  const program = new Command('tiercast')
    .description('Tiercast: keeps every object in the storage tier where it costs least for how it is used')
    .option('--api <url>', `Tiercast API to talk to (env TIERCAST_API_URL)`, process.env.TIERCAST_API_URL ?? DEFAULT_API)
    .option('--json', 'print the API response as JSON instead of a table')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();

  const context = () => {
    const options = program.opts<{ api: string; json?: boolean }>();
    let url: URL;
    try {
      url = new URL(options.api);
    } catch {
      throw new CliError(`--api '${options.api}' is not a URL`, `for example ${DEFAULT_API}`);
    }
    const out: Output = { json: options.json === true, print };
    return { client: new ApiClient(url.toString()), out };
  };

  registerServeCommand(program);
  registerObjectCommands(program, context);
  registerSystemCommands(program, context);
  registerMlCommands(program, context);
  registerSimulationCommands(program, () => ({ json: program.opts<{ json?: boolean }>().json === true, print }));
  registerCreateTopicsCommand(program, context);
  program.commands.forEach((c) => c.exitOverride());
  return program;
}

/** Runs the CLI; user mistakes print one line and a hint on stderr, never a stack trace. */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode;
      return;
    }
    if (error instanceof CliError || error instanceof TiercastError) {
      process.stderr.write(`error: ${error.message}\n`);
      if (error.hint) process.stderr.write(`hint: ${error.hint}\n`);
      process.exitCode = error instanceof CliError ? error.exitCode : 2;
      return;
    }
    throw error;
  }
}
