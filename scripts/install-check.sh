#!/usr/bin/env bash
# The package as a user meets it: `npm pack`, install the tarball into an empty prefix, run the INSTALLED imgpolicy.
# Fails when the tarball carries sources or tests, when the install pulls in any dependency, when the installed copy
# does not start, or when it gives a different answer from the checkout's dist/ (the demo verdicts, a lint, and —
# when the oracle is running — one registry verdict, which must also be the oracle's).
#   scripts/install-check.sh DIR      (DIR: an empty directory; the installed bin is DIR/prefix/bin/imgpolicy)
# Needs dist/ (npm run build). Run by .ci/run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
dir=$(cd "$1" && pwd)
fail() { echo "install-check: FAIL: $*" >&2; exit 1; }

npm pack --silent --pack-destination "$dir" >/dev/null
tgz=$(ls "$dir"/imgpolicy-*.tgz)
echo "install-check: $(basename "$tgz") $(stat -c %s "$tgz") bytes:"
tar tvzf "$tgz" | awk '{ printf "  %8s  %s\n", $3, $6 }'
if tar tzf "$tgz" | grep -Eq '^package/(src|test|fixtures|dist|scripts|bench)/'; then fail "the tarball carries sources, tests or fixtures"; fi

npm i -g --prefix "$dir/prefix" "$tgz" --no-audit --no-fund --silent
bin="$dir/prefix/bin/imgpolicy"
installed="$dir/prefix/lib/node_modules/imgpolicy"
[ ! -d "$installed/node_modules" ] || fail "installing pulled in dependencies: $(ls "$installed/node_modules" | tr '\n' ' ')"

# A fresh cache directory: the first runs write the code cache, the later ones read it; both must agree with dist/.
export XDG_CACHE_HOME="$dir/cache"
want=$(node -p 'require("./package.json").version')
got=$("$bin" --version) || fail "imgpolicy --version exited $?"
[ "$got" = "$want" ] || fail "imgpolicy --version printed '$got', package.json says '$want'"
echo "install-check: $bin --version → $got"

"$bin" lint fixtures/demo/policy.json >/dev/null || fail "installed imgpolicy lint exited $?"

# Same command line through dist/ and through the installed copy (twice: without, then with the code cache).
same() {
  local a b ca cb
  a=$(node bin/imgpolicy-dist.mjs "$@" 2>&1) && ca=0 || ca=$?
  for pass in 1 2; do
    b=$("$bin" "$@" 2>&1) && cb=0 || cb=$?
    [ "$a" = "$b" ] && [ "$ca" = "$cb" ] || fail "installed copy (pass $pass, exit $cb) differs from dist/ (exit $ca) for: $*
--- dist/:
$a
--- installed:
$b"
  done
  echo "install-check: same as dist/ (exit $ca): imgpolicy $*"
}
same verify --policy fixtures/demo/policy.json --output json dir:fixtures/demo/signed-image dir:fixtures/demo/signed-by-other-key
same lint fixtures/demo/policy.json
IMGPOLICY_BIN="$bin" node scripts/demo.mjs >/dev/null || fail "npm run demo through the installed copy: unexpected verdicts"
echo "install-check: demo verdicts as expected through the installed copy"

# `npx ./x.tgz` (a path that starts with ./) runs the tarball's bin; the demo's relative key path needs its layout.
mkdir -p "$dir/npx/fixtures" && cp -r fixtures/demo "$dir/npx/fixtures/" && cp "$tgz" "$dir/npx/"
npx_out=$(cd "$dir/npx" && npm_config_cache="$dir/npm-cache" npx --yes "./$(basename "$tgz")" verify --policy fixtures/demo/policy.json dir:fixtures/demo/signed-image) ||
  fail "npx --yes ./$(basename "$tgz") verify exited $?"
echo "install-check: npx --yes ./$(basename "$tgz") verify → ${npx_out%%$'\n'*}"

oracle=${ORACLE_DIR:-/tmp/imgpolicy-oracle}
if [ -f "$oracle/env.sh" ] && [ -f ../shared/oracle/verdict.sh ]; then
  image=127.0.0.1:5000/test/cosigned:v1
  policy=$oracle/policies/sigstore-key1.json
  same verify --policy "$policy" --registries.d "$oracle/registries.d" --tls-verify=false "$image"
  ours=$("$bin" verify --policy "$policy" --registries.d "$oracle/registries.d" --tls-verify=false --output json "$image" | node -e 'let s="";process.stdin.on("data",(d)=>(s+=d)).on("end",()=>{const r=JSON.parse(s).results[0];console.log(r.verdict==="allowed"?"allowed":`${r.verdict}: ${r.error?.message}`)})') || true
  theirs=$(bash ../shared/oracle/verdict.sh "$image" "$policy") || true
  [ "$ours" = "$theirs" ] || fail "registry verdict for $image: installed imgpolicy '$ours', containers/image '$theirs'"
  echo "install-check: registry verdict for $image: $ours (containers/image: $theirs)"
elif [ "${CI:-}" = true ]; then
  fail "no oracle in $oracle for the registry verdict"
else
  echo "install-check: registry verdict skipped (no oracle in $oracle)"
fi
echo "install-check: OK"
