/**
 * `ringmaster keys generate`: an Ed25519 key pair for package signing (docs/security.md).
 * The private key is created with mode 0600 and exclusive-create, so an existing key is
 * never overwritten — losing a signing key silently is worse than a failed command.
 */
import { chmod, mkdir, open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { generateKeyPair } from '../artifacts/signing.ts';
import { CliExit, EXIT_USAGE, type CliIo, type RegisterCommand } from './program.ts';

interface GenerateOptions {
  out: string;
  name: string;
}

/** Registers `keys generate`. Exit codes: 0 written, 2 usage error or a file already exists. */
export const registerKeys: RegisterCommand = (program: Command, io: CliIo) => {
  const keys = program.command('keys').description('manage package signing keys');
  keys
    .command('generate')
    .description('write an Ed25519 key pair: NAME.key (private, mode 0600) and NAME.pub (public)')
    .option('--out <dir>', 'directory to write the keys to (created if missing)', '.')
    .option('--name <name>', 'base name of the key files', 'ringmaster-signing')
    .addHelpText('after', '\nExit codes: 0 written, 2 usage error or existing key files (never overwritten).\nExample: ringmaster keys generate --out ~/.ringmaster --name release-2026\n')
    .action(async (options: GenerateOptions) => {
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(options.name)) {
        throw new CliExit(EXIT_USAGE, `--name ${JSON.stringify(options.name)} is invalid: use letters, digits, ".", "_" or "-" (no path)`);
      }
      await mkdir(options.out, { recursive: true });
      const privatePath = join(options.out, `${options.name}.key`);
      const publicPath = join(options.out, `${options.name}.pub`);
      const pair = generateKeyPair();
      await writeNew(privatePath, pair.privateKeyPem, 0o600);
      try {
        await writeNew(publicPath, pair.publicKeyPem, 0o644);
      } catch (err) {
        // Never leave half a pair: a private key whose public half was not written is useless.
        await unlink(privatePath).catch(() => undefined);
        throw err;
      }
      io.stdout(`wrote ${privatePath} (private, keep it secret) and ${publicPath} (public, give it to agents)\n`);
    });
};

async function writeNew(path: string, text: string, mode: number): Promise<void> {
  let handle;
  try {
    handle = await open(path, 'wx', mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new CliExit(EXIT_USAGE, `${path} already exists; refusing to overwrite a key (choose another --name or --out)`);
    }
    throw new CliExit(EXIT_USAGE, `cannot create ${path}: ${(err as Error).message}`);
  }
  try {
    // open()'s mode is filtered by the umask; set it exactly.
    await chmod(path, mode);
    await handle.writeFile(text);
  } finally {
    await handle.close();
  }
}
