// `npm run lint:cycles` (part of `npm run lint`, which CI runs in .ci/run): no import cycle between
// modules anywhere (src/, bridges/, test/, bench/, demo/), type-only imports included (issue 11).
// A runtime cycle breaks ES module evaluation order; a type-only one means two modules know each
// other's shape, which is how the IRC session's ring of objects started. An object that its owner
// creates depends on a narrow interface that the owner implements (bridges/irc/session-port.ts),
// not on the owner's module; a type two modules share lives in its own module
// (bridges/irc/member.ts). Checking every import also covers the runtime ones, so one pass does.
// madge reads `import` / `import type` / `export … from`; inline `import('./x.js').T` types are not seen.
import madge from 'madge';

const paths = ['src', 'bridges', 'test', 'bench', 'demo'];
const ts = { skipTypeImports: false };
const result = await madge(paths, { fileExtensions: ['ts'], tsConfig: 'tsconfig.json', detectiveOptions: { ts, es6: ts } });
const cycles = result.circular();
if (cycles.length) {
  console.error(`import cycles (type-only imports included; ${paths.join(' ')}):`);
  for (const cycle of cycles) console.error(`  ${[...cycle, cycle[0]].join(' → ')}`);
  process.exitCode = 1;
} else console.log(`no import cycle (type-only imports included): ${paths.join(' ')}`);
