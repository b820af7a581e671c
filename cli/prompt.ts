import { createInterface } from 'node:readline';
import { LaurelError } from '../core/util/errors.ts';

/** Reads a secret from the terminal without echoing it. */
export function promptHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    const out = rl as unknown as { _writeToOutput: (s: string) => void; output: NodeJS.WriteStream };
    let asked = false;
    out._writeToOutput = (s: string) => {
      if (!asked) {
        process.stderr.write(s);
        asked = true;
      }
    };
    rl.question(question, (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
    rl.on('SIGINT', () => {
      rl.close();
      reject(new LaurelError('CANCELLED', 'cancelled'));
    });
  });
}

/**
 * A passphrase from an environment variable, or asked for on a terminal. Scripts must use the
 * variable: with no terminal and no variable this says which variable to set.
 */
export async function passphrase(envVar: string, purpose: string, options: { confirm?: boolean } = {}): Promise<string> {
  const fromEnv = process.env[envVar];
  if (fromEnv) return fromEnv;
  if (!process.stdin.isTTY) {
    throw new LaurelError('INVALID_INPUT', `${purpose} needs a passphrase: set ${envVar}.`);
  }
  const first = await promptHidden(`${purpose} passphrase: `);
  if (options.confirm) {
    const again = await promptHidden('Repeat the passphrase: ');
    if (again !== first) throw new LaurelError('INVALID_INPUT', 'The two passphrases differ; nothing was written.');
  }
  return first;
}
