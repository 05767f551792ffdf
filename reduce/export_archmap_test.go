package reduce

// Equivalents is the name mapping table (archmap.go).
var Equivalents = equivalents
