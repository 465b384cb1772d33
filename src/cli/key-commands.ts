import { generateKeyPair } from '../tarspay/signer.js';
import type { Command } from './command.js';

export const KEY_COMMANDS: Record<string, Command> = {
  'keys generate': {
    options: {},
    async run(_values, { print }) {
      const { privateKey, publicKey } = generateKeyPair();
      print(`Private key: ${privateKey}`);
      print(`Public key:  ${publicKey}`);
      print();
      print('Upload the public key to TarsPay (merchant console). Keep the private key secret: it signs');
      print('your requests. Give it to the gateway as TARSPAY_PRIVATE_KEY or in a file named by');
      print('TARSPAY_PRIVATE_KEY_FILE, and never commit it.');
    },
  },
};
