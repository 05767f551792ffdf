package recorder

// For the ground-truth tests (package recorder_test), which trace through
// prepared recorders too.
var (
	PoolKeyFor = poolKeyFor
	ReadySets  = readySets
)

// EarlyHint is earlyHint, for the ground truth's early starts.
var EarlyHint = earlyHint
