// Package lint reads a seccomp profile as runc and crun will load it and
// reports what is weak, dead or surprising in it. It sits beside the
// pipeline, after emit:
//
//	trace -> reduce -> policy -> emit (writers) ... emit.ParseRaw -> lint
//
// Lint works on an emit.Raw (rules in file order, names libseccomp cannot
// resolve kept) because the runtimes' answer depends on file order. The
// precedence it assumes is the runtimes' (runc and crun add each rule with
// libseccomp, in file order; TestLibseccompPrecedence checks libseccomp's
// part):
//
//   - a rule whose answer equals the default action is skipped by the
//     runtimes (libseccomp refuses such rules);
//   - of several rules naming a syscall without argument conditions, the
//     first one added wins;
//   - a rule without conditions overrides every conditional rule for the
//     same syscall, before or after it;
//   - several conditions on one argument index in one rule are added as
//     separate rules (one per condition), so the rule holds when ANY of its
//     conditions holds;
//   - names libseccomp cannot resolve are dropped without a word;
//   - where the program installed policy.FilterVerifier (seccomp-gen's
//     commands do), a profile whose filter, as libseccomp builds it, answers
//     a call otherwise than the rules say is an error (miscompiled).
//
// Each Finding has a severity (error, warning, info), the check that found
// it, the rule's key path in the file and a reason. Errors are profiles
// that do not do what they say or that break every program; warnings are
// weak or dead parts; info is worth knowing. The dangerous syscalls are the
// deny ceiling of package profiles (profiles/ceiling.yaml), not a copy.
package lint
