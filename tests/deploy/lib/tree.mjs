// The deploy/ tree: which directories are Kustomize roots, rendered.
import fs from 'node:fs';
import path from 'node:path';
import { renderKustomization, parseManifests } from './kustomize.mjs';
import { repoPath } from './pushgw.mjs';

export const KUSTOMIZE_DIR = repoPath('deploy', 'kubernetes');

// Every directory under deploy/kubernetes with a kustomization.yaml of kind
// Kustomization (components are rendered through the overlays that use them).
export function kustomizeRoots() {
  const roots = [];
  const walk = (dir) => {
    const file = path.join(dir, 'kustomization.yaml');
    if (fs.existsSync(file)) {
      const [k] = parseManifests(fs.readFileSync(file, 'utf8'), file);
      if ((k.kind ?? 'Kustomization') === 'Kustomization') roots.push(dir);
    }
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(dir, e.name));
    }
  };
  walk(KUSTOMIZE_DIR);
  return roots.sort();
}

export const relRoot = (dir) => path.relative(repoPath(), dir);

const cache = new Map();
// Rendered objects of a root (a fresh deep copy each call).
export function render(dir) {
  if (!cache.has(dir)) cache.set(dir, renderKustomization(dir));
  return structuredClone(cache.get(dir));
}

export function byKind(objects, kind) {
  return objects.filter((o) => o.kind === kind);
}

export function one(objects, kind, name) {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found.length !== 1) {
    throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  }
  return found[0];
}
