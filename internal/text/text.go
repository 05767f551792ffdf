// Package text holds the small wording helpers the commands' messages and
// reports share.
package text

import "fmt"

// Count says "1 process", "2 processes": n and the word that goes with it.
func Count[N ~int | ~int64 | ~uint64](n N, one, many string) string {
	return fmt.Sprintf("%d %s", n, Word(n, one, many))
}

// Word picks one for n == 1, many otherwise.
func Word[N ~int | ~int64 | ~uint64](n N, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
