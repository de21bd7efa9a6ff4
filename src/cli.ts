#!/usr/bin/env node
/**
 * The `switchboard` entry point. It enables the module compile cache (src/compile-cache.ts)
 * before anything else is imported, so that the cache covers every module of the CLI
 * (src/cli-main.ts), the runtime and the bridges; static imports here would be compiled first.
 */
import { enableCompileCache } from './compile-cache.js';

enableCompileCache();
await import('./cli-main.js');
