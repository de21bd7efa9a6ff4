import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Read test/fixtures/<name>. Helpers also run compiled from dist/test/helpers (npm run demo),
 * where tsc has not copied the fixtures, so fall back to the source tree.
 */
export function readFixture(name: string): string {
  const candidates = [
    new URL(`../fixtures/${name}`, import.meta.url),
    new URL(`../../../test/fixtures/${name}`, import.meta.url),
  ].map((url) => fileURLToPath(url));
  const found = candidates.find((path) => existsSync(path));
  if (found === undefined) throw new Error(`fixture ${name} not found in ${candidates.join(' or ')}`);
  return readFileSync(found, 'utf8');
}

/** Fill `{{name}}` placeholders; an unknown or unfilled placeholder is a harness bug. */
export function fillTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_m, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`template placeholder {{${name}}} has no value`);
    return value;
  });
}
