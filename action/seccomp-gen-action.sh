#!/usr/bin/env bash
# The shell steps of the seccomp-gen GitHub Action (action.yml at the top of
# the repository). Inputs come as INPUT_* variables, as the action passes
# them; action/action_test.go runs this script with a fake seccomp-gen.
#
#   seccomp-gen-action.sh install   put seccomp-gen on PATH: a release binary
#                                   (checksum verified) or a build of the
#                                   action's own checkout (version: source)
#   seccomp-gen-action.sh replay    run `seccomp-gen replay` on the command
#                                   (under sudo when not root) and write the
#                                   report and the fresh trace
set -euo pipefail

# annotate MESSAGE: an error annotation, one workflow command whatever the
# message holds (a multi-line command input, say): %, CR and LF escaped.
annotate() {
	local m=$1
	m=${m//'%'/%25}
	m=${m//$'\r'/%0D}
	m=${m//$'\n'/%0A}
	echo "::error::$m" >&2
}
die() { annotate "seccomp-gen action: $*"; exit 2; }
note() { echo "seccomp-gen action: $*" >&2; }
notice() { echo "::notice::seccomp-gen action: $*" >&2; }

# output NAME VALUE: a step output (GITHUB_OUTPUT), when running in Actions.
output() { if [ -n "${GITHUB_OUTPUT:-}" ]; then printf '%s=%s\n' "$1" "$2" >> "$GITHUB_OUTPUT"; fi; }

REPO_URL=${SECCOMP_GEN_REPO_URL:-https://github.com/seccomp-gen/seccomp-gen}

# as_root CMD...: run CMD as root (sudo when not root already).
as_root() {
	if [ "$(id -u)" = 0 ]; then "$@"; else sudo -E env "PATH=$PATH" "$@"; fi
}

fetch() { # fetch URL FILE
	if command -v curl >/dev/null; then
		curl -fsSL --retry 3 -o "$2" "$1"
	elif command -v wget >/dev/null; then
		wget -q -O "$2" "$1"
	else
		die "neither curl nor wget is installed"
	fi
}

# action_ref: the ref the workflow used the action at (uses: ...@REF): the
# last part of the action's checkout path (_actions/OWNER/REPO/REF), or else
# github.action_ref, which action.yml passes as SECCOMP_GEN_ACTION_REF (in a
# composite action used by another one, that is the outer action's ref).
action_ref() {
	if [[ ${GITHUB_ACTION_PATH:-} == */_actions/*/*/* ]]; then
		echo "${GITHUB_ACTION_PATH##*/}"
	elif [ -n "${SECCOMP_GEN_ACTION_REF:-}" ]; then
		echo "$SECCOMP_GEN_ACTION_REF"
	fi
}

# default_version: with no version input, the release the action's own ref
# names (@v1.2.3), so that a new release does not change what a workflow
# runs; otherwise (a branch, a commit, a major tag such as @v1) latest,
# with a notice.
default_version() {
	local ref
	ref=$(action_ref)
	if [[ $ref =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
		note "version: $ref (the action's own release)"
		echo "$ref"
		return
	fi
	notice "version: latest, because the action's ref '${ref:-unknown}' is not a release tag: a new release changes what this job runs; pin one with 'version: v1.2.3' (or use the action at @v1.2.3)"
	echo latest
}

install() {
	local version=${INPUT_VERSION:-}
	if [ -z "$version" ]; then version=$(default_version); fi
	local dest=${SECCOMP_GEN_INSTALL_DIR:-${RUNNER_TEMP:-/tmp}/seccomp-gen/bin}
	mkdir -p "$dest"
	if [ "$version" = source ]; then
		local src=${GITHUB_ACTION_PATH:-$(cd "$(dirname "$0")/.." && pwd)}
		command -v go >/dev/null || die "version: source builds $src and needs Go: add actions/setup-go before this action"
		if ! pkg-config --exists libseccomp 2>/dev/null; then
			note "installing libseccomp-dev to build from source"
			as_root apt-get update -qq
			as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libseccomp-dev pkg-config gcc >/dev/null
		fi
		note "building seccomp-gen from $src"
		(cd "$src" && CGO_ENABLED=1 go build -o "$dest/seccomp-gen" ./cmd/seccomp-gen)
	else
		local arch base name
		case "$(uname -m)" in
		x86_64) arch=amd64 ;;
		aarch64 | arm64) arch=arm64 ;;
		*) die "no release binary for $(uname -m) (amd64 and arm64 only): use version: source" ;;
		esac
		case "$version" in
		latest) base=${SECCOMP_GEN_RELEASE_URL:-$REPO_URL/releases/latest/download} ;;
		v[0-9]*) base=${SECCOMP_GEN_RELEASE_URL:-$REPO_URL/releases/download/$version} ;;
		*) die "version: '$version': want latest, source or a release tag such as v1.2.3" ;;
		esac
		name=seccomp-gen-linux-$arch
		tmp=$(mktemp -d)
		trap 'rm -rf "$tmp"' EXIT
		note "downloading $base/$name"
		fetch "$base/$name" "$tmp/$name" || die "download $base/$name failed"
		fetch "$base/SHA256SUMS" "$tmp/SHA256SUMS" || die "download $base/SHA256SUMS failed"
		grep -E "^[0-9a-f]{64}  $name\$" "$tmp/SHA256SUMS" > "$tmp/sum" || die "SHA256SUMS has no line for $name"
		(cd "$tmp" && sha256sum --quiet -c sum) || die "$name does not match its SHA256SUMS line: not installed"
		chmod 0755 "$tmp/$name"
		mv "$tmp/$name" "$dest/seccomp-gen"
		rm -rf "$tmp"
	fi
	if [ -n "${GITHUB_PATH:-}" ]; then echo "$dest" >> "$GITHUB_PATH"; fi
	output path "$dest/seccomp-gen"
	"$dest/seccomp-gen" version
}

# give_back MARKER: the files that the command, run as root, created or
# changed (ctime after MARKER's) in the runner's workspace, home and temp
# directory go back to the runner's user, so that later steps and jobs (a
# build cache, a checkout's clean-up) can write and remove them. Files
# elsewhere, and root's files it did not touch, stay as they are.
give_back() {
	local uid gid d roots=()
	uid=$(id -u) gid=$(id -g)
	for d in "${GITHUB_WORKSPACE:-$PWD}" "${HOME:-}" "${RUNNER_TEMP:-}"; do
		if [ -n "$d" ] && [ "$d" != / ] && [ -d "$d" ] && [ "$(stat -c %u "$d")" = "$uid" ]; then roots+=("$d"); fi
	done
	if [ ${#roots[@]} -eq 0 ]; then return 0; fi
	as_root find "${roots[@]}" -xdev -user 0 -cnewer "$1" -exec chown -h "$uid:$gid" {} + ||
		note "could not give every file the command wrote as root in ${roots[*]} back to $uid:$gid"
}

replay() {
	local profile=${INPUT_PROFILE:-} command=${INPUT_COMMAND:-} report=${INPUT_REPORT:-junit}
	local dir=${INPUT_OUTPUT_DIR:-seccomp-replay}
	[ -n "$profile" ] || die "input 'profile' is required (the profile to replay against)"
	[ -n "$command" ] || die "input 'command' is required (the command to replay: go test ./..., or shell syntax for sh -c)"
	[ -f "$profile" ] || die "profile '$profile' does not exist"
	local ext
	case "$report" in
	junit) ext=xml ;;
	json) ext=json ;;
	human) ext=txt ;;
	*) die "report: '$report': want junit, json or human" ;;
	esac
	local bin
	bin=$(command -v seccomp-gen) || die "seccomp-gen is not on PATH (the install step puts it there)"
	mkdir -p "$dir"
	local out=$dir/report.$ext trace=$dir/replay.trace.yaml extra a enforce=
	read -rd '' -a extra <<<"${INPUT_ARGS:-}" || true
	for a in "${extra[@]}"; do
		# Every spelling of a true or false value the flag parser
		# takes (Go's strconv.ParseBool).
		case "$a" in
		--enforce | --enforce=1 | --enforce=t | --enforce=T | --enforce=true | --enforce=TRUE | --enforce=True) enforce=1 ;;
		--enforce=0 | --enforce=f | --enforce=F | --enforce=false | --enforce=FALSE | --enforce=False) enforce= ;;
		esac
	done
	# --enforce runs the command under the filter: there is no fresh
	# trace to save (replay refuses --save-trace with it).
	if [ -n "$enforce" ]; then trace=; fi
	local args=(replay -p "$profile" --report "$report" -o "$out")
	if [ -n "$trace" ]; then args+=(--save-trace "$trace"); fi
	# Baselines are split at commas and line ends only (a file's path may
	# hold spaces), args at blanks and line ends (a YAML block gives
	# several lines); neither is expanded as a glob.
	local b baselines words
	IFS=$',\n' read -rd '' -a baselines <<<"${INPUT_BASELINE:-}" || true
	for b in "${baselines[@]}"; do
		b=${b#"${b%%[![:space:]]*}"}
		b=${b%"${b##*[![:space:]]}"}
		if [ -n "$b" ]; then args+=(--baseline "$b"); fi
	done
	args+=("${extra[@]}" --)
	# A plain list of words on one line (go test -count=1 ./...) whose
	# first word is a program is run as it is: the same process tree as
	# 'seccomp-gen trace -- go test ./...' recorded. Anything a shell must
	# read (several lines, pipes, quotes, variables, globs, ;, &&, an
	# assignment or a shell builtin such as exec or cd first) is run by
	# sh -c, whose own syscalls (dash's vfork, wait4, getuid, ...) are then
	# part of the run: the profile's traces must be recorded the same way
	# (trace -- sh -c '...').
	local first= line=$command
	# Surrounding blanks and line ends do not count (a YAML block scalar,
	# command: |, ends in one).
	line=${line#"${line%%[![:space:]]*}"}
	line=${line%"${line##*[![:space:]]}"}
	if [[ $line =~ ^[\ $'\t']*[A-Za-z0-9_./:@%+,-]+([\ $'\t']+[A-Za-z0-9_./:@%+,=-]+)*[\ $'\t']*$ ]]; then
		read -ra words <<<"$line"
		first=${words[0]}
		if [[ $first != */* ]] && ! type -P -- "$first" >/dev/null 2>&1; then first=; fi
	fi
	if [ -n "$first" ]; then
		args+=("${words[@]}")
	else
		note "the command is run by sh -c (it is not a plain list of words): the shell's own syscalls are part of the run, so record the profile's traces the same way (seccomp-gen trace -- sh -c '...')"
		args+=(sh -c "$command")
	fi
	note "seccomp-gen$(printf ' %q' "${args[@]}")"
	local status=0 marker
	marker=$(mktemp "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/seccomp-gen-run.XXXXXX")
	as_root "$bin" "${args[@]}" || status=$?
	if [ "$(id -u)" != 0 ]; then
		# The report and trace belong to the runner's user (upload, later
		# steps), and so does what the command wrote as root in the
		# runner's directories.
		as_root chown -R "$(id -u):$(id -g)" "$dir" || true
		give_back "$marker"
	fi
	rm -f "$marker"
	output report "$out"
	output trace "$trace"
	output status "$status"
	case "$status" in
	0) note "the profile covers the run" ;;
	3)
		if [ -n "$trace" ]; then
			annotate "seccomp-gen: $profile does not cover the run of '$command' (report $out, fresh trace $trace)"
		else
			annotate "seccomp-gen: the filter of $profile denied what the run of '$command' needed (report $out)"
		fi
		# The same verdict, readable in the log: the human report as
		# it is, else check's reading of the fresh trace.
		if [ "$report" = human ] && [ -f "$out" ]; then
			cat "$out" >&2
		elif [ -n "$trace" ] && [ -f "$trace" ]; then
			"$bin" check -p "$profile" "$trace" >&2 || true
		fi
		;;
	4) annotate "seccomp-gen: the profile covers the run, but '$command' itself failed" ;;
	*) annotate "seccomp-gen replay exited $status (see the messages above)" ;;
	esac
	return "$status"
}

case "${1:-}" in
install) install ;;
replay) replay ;;
*) echo "usage: $0 install|replay (inputs as INPUT_* variables)" >&2; exit 2 ;;
esac
