// The offline renderer (lib/kustomize.mjs) against the real thing: where
// kubectl is installed, `kubectl kustomize` of every root must give the same
// objects. Machines without kubectl (Debian does not package it) skip that
// comparison; the hash test below pins the one non-obvious algorithm anyway.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { configMapHash, objectKey, parseManifests } from './lib/kustomize.mjs';
import { kustomizeRoots, relRoot, render } from './lib/tree.mjs';

test('ConfigMap name hash is kustomize\'s', () => {
  // `configMapGenerator: [{name: x, literals: [a=b]}]` -> x-4h2mbtbbt6 (kubectl 1.32, kustomize v5.5).
  assert.equal(configMapHash({ a: 'b' }), '4h2mbtbbt6');
});

let kubectl = null;
try {
  kubectl = execFileSync('kubectl', ['version', '--client'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
    .split('\n').find((l) => l.startsWith('Kustomize Version')) ?? 'kubectl';
} catch {
  kubectl = null;
}

for (const root of kustomizeRoots()) {
  test(`${relRoot(root)}: same objects as kubectl kustomize`, { skip: kubectl ? false : 'kubectl is not installed' }, () => {
    const theirs = parseManifests(execFileSync('kubectl', ['kustomize', root], { encoding: 'utf8' }), 'kubectl kustomize');
    const mine = render(root);
    const index = (objs) => new Map(objs.map((o) => [objectKey(o), o]));
    const a = index(mine);
    const b = index(theirs);
    assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort(), kubectl);
    for (const [key, obj] of a) assert.deepEqual(obj, b.get(key), `${key} (${kubectl})`);
  });
}
