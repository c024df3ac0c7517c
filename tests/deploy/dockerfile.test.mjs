// deploy/Dockerfile cannot be built here (no Docker engine), so what can be
// checked offline is: Debian 12 stages, the build done with scripts/setup.sh's
// packages and Bazel's //:pushgw, a non-root runtime user, the ports the
// manifests use, and an entrypoint that takes the manifests' flags.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { dockerfileStages, parseDockerfile } from './lib/dockerfile.mjs';
import { PORT_NAMES, parseConfig, readRepo, repoPath, splitHostPort } from './lib/pushgw.mjs';

const stages = dockerfileStages();
const [build, runtime] = [stages[0], stages.at(-1)];
const runs = (stage) => stage.instructions.filter((i) => i.cmd === 'RUN').map((i) => i.args);

test('the reader understands continuations and comments', () => {
  const s = parseDockerfile('# c\nFROM a AS b\nRUN x \\\n  # inner\n  && y\nUSER 1:2\nFROM c\n');
  assert.deepEqual(s.map((x) => x.from), ['a', 'c']);
  assert.equal(s[0].instructions[0].args, 'x && y');
  assert.equal(s[0].user, '1:2');
});

test('two stages, both Debian 12', () => {
  assert.equal(stages.length, 2);
  assert.equal(build.from, 'debian:12');
  assert.equal(runtime.from, 'debian:12-slim');
});

test('build stage: scripts/setup.sh --build, then bazel build //:pushgw', () => {
  const r = runs(build).join('\n');
  assert.match(r, /scripts\/setup\.sh --build/);
  assert.match(r, /bazel --batch build --config=opt [^\n]*\/\/:pushgw/);
  // The alias it builds is the binary's.
  assert.match(readRepo('BUILD.bazel'), /name = "pushgw",\s*actual = "\/\/app:pushgw"/);
  assert.ok(fs.existsSync(repoPath('scripts', 'setup.sh')));
  assert.match(readRepo('scripts', 'setup.sh'), /--build\)/, 'setup.sh still has a --build mode');
});

test('runtime stage: no build tools, a non-root user, every library resolved', () => {
  const r = runs(runtime).join('\n');
  assert.doesNotMatch(r, /bazel|g\+\+|-dev\b/);
  assert.match(r, /useradd --system --uid (\d+) --gid \1/);
  const uid = /--uid (\d+)/.exec(r)[1];
  assert.equal(runtime.user, `${uid}:${uid}`);
  assert.match(r, /! ldd \/usr\/local\/bin\/pushgw \| grep 'not found'/);
});

test('runtime stage: ports and entrypoint match the manifests', () => {
  const config = parseConfig(readRepo('deploy', 'kubernetes', 'base', 'pushgw.yaml'));
  const ports = Object.keys(PORT_NAMES).map((k) => splitHostPort(config.listeners[k]).port);
  assert.deepEqual(runtime.expose, ports);
  assert.deepEqual(runtime.entrypoint, ['/usr/local/bin/pushgw']);
  assert.equal(runtime.cmd, undefined, 'no CMD: the Deployment passes args');
});

test('Dockerfile.dockerignore keeps host-specific trees out of the context', () => {
  const ignore = readRepo('deploy', 'Dockerfile.dockerignore').split('\n').map((l) => l.trim());
  assert.ok(ignore.includes('bazel-*'));
  assert.ok(ignore.includes('**/node_modules'));
});
