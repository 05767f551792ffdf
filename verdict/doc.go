// Package verdict judges a profile: it says, for what a program did or
// could do, what a profile answers. It sits after the profile is made
// (package reduce) and before it is reported (package report):
//
//	traces ──► reduce ──► *policy.Policy ──► emit (files)
//	                                   │
//	traces / profiles ──► verdict ─────┴──► report (human | json | junit)
//
// An Answerer is a profile seen the way the kernel sees it: an answer for
// every (ABI, syscall number, arguments). A policy (PolicyAnswerer) and a
// compiled filter (cbpf.Filter, run in the interpreter) are both answerers,
// so check, replay and diff judge every format generate writes by the same
// questions.
//
// CheckCoverage and CheckCoverageOf merge traces and give one Entry per
// (ABI, syscall) with its Reason when the profile does not let it run;
// enforce builds the same entries from what the filter did at run time.
// A policy is judged as runc loads it, ENOSYS stub included, where
// CheckCoverageOf has its syscall tables (Entry.Crun: crun's answer where
// it differs); CheckCoverage, which has none, gives crun's answers.
// DiffProfiles compares the answers of two profiles on every syscall
// number libseccomp knows and on numbers beyond its tables.
//
// The package is pure and deterministic: it needs no kernel and no cgo;
// syscall tables come from a trace.Tables (scmp.Tables in
// the binary).
package verdict
