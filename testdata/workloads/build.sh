#!/bin/sh
# build.sh OUTDIR: compile every ground-truth workload in this directory into
# OUTDIR. NAME.c becomes OUTDIR/NAME, built with "$CC -O1 -Wall" (CC defaults
# to gcc) plus the flags its "// groundtruth: cflags" line asks for (-m32
# needs gcc-multilib). The Go tests (trace/groundtruth_test.go) use this
# script too, so what you run by hand is what they run.
#
#   sh testdata/workloads/build.sh /tmp/wl && /tmp/wl/threads
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build.sh OUTDIR}
cc=${CC:-gcc}
mkdir -p "$out"
pids=""
for src in "$here"/*.c; do
	name=$(basename "$src" .c)
	flags=$(sed -n 's,^// groundtruth: cflags ,,p' "$src")
	# shellcheck disable=SC2086 # flags are words on purpose
	"$cc" -O1 -Wall $flags -o "$out/$name" "$src" &
	pids="$pids $!"
done
status=0
for pid in $pids; do
	wait "$pid" || status=1
done
exit "$status"
