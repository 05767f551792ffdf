//go:build !(linux && cgo && (amd64 || arm64)) || nohugeheap

package hugeheap

// Enabled says the wrapper is linked into this binary.
const Enabled = false

func offReason() string { return "" }
