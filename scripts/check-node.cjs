// Stops early, with a clear message, on a Node.js too old for Ringmaster.
// Written in plain CommonJS so that any Node.js can run it.
'use strict';
const need = [22, 19];
const have = process.versions.node.split('.').map(Number);
const ok = have[0] > need[0] || (have[0] === need[0] && have[1] >= need[1]);
if (!ok) {
  process.stderr.write(
    'ringmaster: Node.js >= ' + need.join('.') + ' is required, but this is ' + process.version + '.\n' +
    '  Install Node.js 24 (https://nodejs.org, or your version manager: `nvm install 24`),\n' +
    '  or without root: `npm install --prefix ~/.cache/ringmaster-node node@24` and put\n' +
    '  ~/.cache/ringmaster-node/node_modules/.bin first on PATH.\n');
  process.exit(1);
}
