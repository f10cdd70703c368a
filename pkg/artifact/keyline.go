package artifact

import "strings"

// KeyLine returns the line of data where the object key named by the last
// segment of a dotted key first appears, or 0. It lets callers that judge
// a value after decoding still point at the line.
func KeyLine(data []byte, dotted string) int {
	key := dotted[strings.LastIndex(dotted, ".")+1:]
	return lineOfKey(TrimBOM(data), key)
}
