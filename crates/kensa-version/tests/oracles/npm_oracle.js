// Orders npm version pairs (mode "compare") or checks range satisfaction
// (mode "satisfies": lines are `version<TAB>range`, output `true`/`false`/`invalid`)
// with node's own `semver` package, installed beside this script.
// Usage: node npm_oracle.js SEMVER_DIR MODE < input.tsv
const semver = require(require('path').resolve(process.argv[2]));
const mode = process.argv[3];
const lines = require('fs').readFileSync(0, 'utf8').split('\n');
const out = [];
for (const line of lines) {
  if (line === '') continue;
  const [left, right] = line.split('\t');
  if (mode === 'compare') {
    if (semver.valid(left) === null || semver.valid(right) === null) { out.push('invalid'); continue; }
    const c = semver.compare(left, right);
    out.push(c < 0 ? 'lt' : c > 0 ? 'gt' : 'eq');
  } else {
    if (semver.valid(left) === null || semver.validRange(right) === null) { out.push('invalid'); continue; }
    out.push(semver.satisfies(left, right) ? 'true' : 'false');
  }
}
process.stdout.write(out.join('\n') + (out.length ? '\n' : ''));
