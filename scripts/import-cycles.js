// `npm run lint:cycles`: no import cycle between modules anywhere (runtime imports), and none at
// all in src/, type-only imports included. bridges/irc still has a ring of type-only imports
// (session → irc-handlers → join-state / room-history / … → session, issue 11) that the move of
// the rooms into the core removes; once it is gone, `typed` can cover bridges/ too.
import madge from 'madge';

const base = { fileExtensions: ['ts'], tsConfig: 'tsconfig.json' };
const checks = [
  { name: 'runtime imports', paths: ['src', 'bridges', 'test', 'bench', 'demo'], skipTypes: true },
  // src/cli.ts imports the bridge registry: the typed check stops at bridges/.
  { name: 'typed', paths: ['src'], skipTypes: false, exclude: [/(^|\/)bridges\//] },
];

let failed = false;
for (const check of checks) {
  const ts = { skipTypeImports: check.skipTypes };
  const result = await madge(check.paths, { ...base, detectiveOptions: { ts, es6: ts }, excludeRegExp: check.exclude ?? [] });
  const cycles = result.circular();
  if (cycles.length) {
    failed = true;
    console.error(`import cycles (${check.name}, ${check.paths.join(' ')}):`);
    for (const cycle of cycles) console.error(`  ${[...cycle, cycle[0]].join(' → ')}`);
  } else console.log(`no import cycle (${check.name}: ${check.paths.join(' ')})`);
}
process.exitCode = failed ? 1 : 0;
