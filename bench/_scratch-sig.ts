import { runSigning } from './scenarios/signing.js';
console.log(await runSigning({ rounds: 5, roundMs: 300 }));
