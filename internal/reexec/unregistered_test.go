package reexec_test

import (
	"context"
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/enforce"
	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/trace/recorder"
)

// This test binary registers neither the recorder's stub nor enforce's
// shim: starting them fails with an error that says what main must do,
// instead of re-executing the binary as itself.
func TestUnregisteredHelpers(t *testing.T) {
	p := &policy.Policy{DefaultAction: policy.ActAllow}
	if _, err := enforce.Run(p, []string{"true"}, enforce.IO{}); err == nil || !strings.Contains(err.Error(), "reexec.Register(enforce.ShimName") {
		t.Errorf("enforce.Run without the shim registered: %v, want an error naming reexec.Register", err)
	}
	testutil.RequireRoot(t)
	_, err := recorder.Record(context.Background(), recorder.Options{Command: []string{"true"}})
	if err == nil || !strings.Contains(err.Error(), "reexec.Register(recorder.StubName") {
		t.Errorf("recorder.Record without the stub registered: %v, want an error naming reexec.Register", err)
	}
}
