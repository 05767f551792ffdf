#!/usr/bin/env bash
# make demo: the whole seccomp-gen loop on a bundled workload
# (testdata/demo/workload.c), as root, writing everything to ./demo/:
#
#   1. trace the workload (eBPF, in-kernel counts)      -> demo/workload.trace.yaml
#   2. generate a least-privilege Docker profile        -> demo/workload.json
#   3. check the saved trace offline, replay traced, replay enforced
#   4. a variant that needs one more syscall (getpriority) fails replay in
#      both modes, naming that syscall; the CI fix (merge the saved trace,
#      regenerate) makes it pass again.
#
# Exits non-zero as soon as any step does not give the expected result.
set -euo pipefail

if [ $# -ne 1 ]; then
	echo "usage: $0 path/to/seccomp-gen" >&2
	exit 2
fi
SG=$(realpath "$1")
SRC=$(cd "$(dirname "$0")" && pwd)/demo/workload.c
OUT=$PWD/demo

if [ "$(id -u)" != 0 ]; then
	echo "demo: run as root (the recorder loads eBPF programs): sudo make demo" >&2
	exit 1
fi
command -v gcc >/dev/null || { echo "demo: gcc is missing (make deps installs it)" >&2; exit 1; }

step=0
step() {
	step=$((step + 1))
	printf '\n== %d. %s\n' "$step" "$*"
}
fail() {
	echo "demo: FAILED: $*" >&2
	exit 1
}
# expect STATUS CMD...: run CMD, fail unless it exits with STATUS. With
# STDOUT=FILE set, CMD's standard output goes to FILE.
expect() {
	local want=$1
	shift
	printf '$ %s\n' "$*"
	local rc=0
	if [ -n "${STDOUT:-}" ]; then
		"$@" >"$STDOUT" || rc=$?
	else
		"$@" || rc=$?
	fi
	[ "$rc" = "$want" ] || fail "exit status $rc, expected $want: $*"
}

rm -rf "$OUT"
mkdir -p "$OUT"
cd "$OUT"
gcc -O2 -o workload "$SRC"
WL=$OUT/workload
"$WL" >plain.out

step "trace the workload"
expect 0 "$SG" trace -o workload.trace.yaml -- "$WL"
n=$(grep -c '^  - {arch:' workload.trace.yaml)
lost=$(sed -n 's/^lost: //p' workload.trace.yaml)
echo "trace: $n distinct (ABI, syscall) pairs, lost: $lost"
[ "$lost" = 0 ] || fail "the recorder lost $lost events"
grep -q 'name: execve,' workload.trace.yaml || fail "the trace has no execve"

step "generate a Docker profile"
expect 0 "$SG" generate -o workload.json workload.trace.yaml
echo "profile: workload.json, $(wc -c <workload.json) bytes"

step "check the saved trace against it, offline"
expect 0 "$SG" check -p workload.json workload.trace.yaml

step "replay the workload traced (CI mode)"
expect 0 "$SG" replay -p workload.json --save-trace replay.trace.yaml -- "$WL"

step "replay the workload under the profile's filter (--enforce)"
STDOUT=enforced.out expect 0 "$SG" replay --enforce -p workload.json -o replay-enforce.txt -- "$WL"
cat enforced.out replay-enforce.txt
cmp -s plain.out enforced.out || fail "the workload's output changed under the filter"
echo "output under the filter is identical to the plain run"

step "a new version needs getpriority: replay fails and names it"
expect 3 "$SG" replay -p workload.json --save-trace extra.trace.yaml -- "$WL" --extra
expect 3 "$SG" replay -p workload.json --report junit -o replay-extra.xml -- "$WL" --extra
grep -q 'x86_64/getpriority' replay-extra.xml || fail "the JUnit report does not name x86_64/getpriority"
echo "JUnit report: demo/replay-extra.xml"
expect 3 "$SG" replay --enforce -p workload.json -- "$WL" --extra

step "the fix: merge the saved trace into the profile"
expect 0 "$SG" generate -o workload-v2.json workload.trace.yaml extra.trace.yaml
expect 3 "$SG" diff workload-v2.json workload.json
expect 0 "$SG" diff --superset workload-v2.json workload.json
expect 0 "$SG" replay -p workload-v2.json -- "$WL" --extra

printf '\ndemo: OK, every step gave the expected result; outputs are in %s/\n' "$OUT"
