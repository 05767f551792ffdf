package recorder

// cpuid executes the CPUID instruction (cpuid_amd64.s).
func cpuid(leaf, sub uint32) (eax, ebx, ecx, edx uint32)

// cpuHasNoPCID reports whether the CPU lacks process-context identifiers
// (CPUID.01H:ECX.PCID, bit 17): a page-table switch then flushes the TLB.
func cpuHasNoPCID() bool {
	_, _, ecx, _ := cpuid(1, 0)
	return ecx&(1<<17) == 0
}
