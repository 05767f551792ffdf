//go:build !amd64

package recorder

// cpuHasNoPCID is false off x86_64: the TLB-flush question is about x86's
// page table isolation (arm64's tags its entries with ASIDs).
func cpuHasNoPCID() bool { return false }
