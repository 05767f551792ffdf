package reduce

// Equivalents is the name mapping table (archmap.go).
var Equivalents = equivalents()

// Companions is the 64-bit to 32-bit companion table (archmap.go).
var Companions = companions()
