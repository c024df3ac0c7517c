// A small reader for deploy/Dockerfile: instructions (continuations joined,
// comments dropped) grouped by stage. Enough to check it against the
// manifests; not a Dockerfile linter.
import { readRepo } from './pushgw.mjs';

export function parseDockerfile(text) {
  const instructions = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (!pending && /^\s*#/.test(line)) continue;  // comment (or parser directive)
    if (pending && /^\s*#/.test(line)) continue;   // comment inside a continuation
    const joined = pending + (pending ? ' ' : '') + line.trim();
    if (line.endsWith('\\')) {
      pending = joined.slice(0, -1).trim();
      continue;
    }
    pending = '';
    if (!joined) continue;
    const m = /^(\w+)\s+([\s\S]*)$/.exec(joined);
    if (!m) throw new Error(`Dockerfile: cannot read "${joined}"`);
    instructions.push({ cmd: m[1].toUpperCase(), args: m[2] });
  }
  const stages = [];
  for (const ins of instructions) {
    if (ins.cmd === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      stages.push({ from: m[1], name: m[2], instructions: [] });
      continue;
    }
    if (!stages.length) throw new Error(`Dockerfile: ${ins.cmd} before FROM`);
    const stage = stages.at(-1);
    stage.instructions.push(ins);
    if (ins.cmd === 'USER') stage.user = ins.args;
    if (ins.cmd === 'EXPOSE') stage.expose = ins.args.split(/\s+/).map((p) => Number(p.split('/')[0]));
    if (ins.cmd === 'ENTRYPOINT') stage.entrypoint = JSON.parse(ins.args);
    if (ins.cmd === 'CMD') stage.cmd = ins.args;
  }
  return stages;
}

export function dockerfileStages() {
  return parseDockerfile(readRepo('deploy', 'Dockerfile'));
}
