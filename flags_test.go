package soakline_test

import "flag"

var update = flag.Bool("update", false, "rewrite golden files and testscript cmp outputs")
