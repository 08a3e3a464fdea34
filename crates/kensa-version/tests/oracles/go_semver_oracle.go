// Orders Go module version pairs with golang.org/x/mod/semver, the package
// the go command uses, as Debian's golang-golang-x-mod-dev installs it.
// OSV and the Go vulnerability database write versions without Go's `v`, so
// a version that starts with a digit gets one; anything semver.IsValid
// rejects after that is "invalid".
// Usage: GO111MODULE=off GOPATH=/usr/share/gocode go run go_semver_oracle.go < pairs.tsv
package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"golang.org/x/mod/semver"
)

func canonical(version string) string {
	if version != "" && version[0] >= '0' && version[0] <= '9' {
		return "v" + version
	}
	return version
}

func main() {
	input := bufio.NewScanner(os.Stdin)
	input.Buffer(make([]byte, 1<<20), 1<<20)
	output := bufio.NewWriter(os.Stdout)
	defer output.Flush()
	for input.Scan() {
		left, right, _ := strings.Cut(input.Text(), "\t")
		left, right = canonical(left), canonical(right)
		if !semver.IsValid(left) || !semver.IsValid(right) {
			fmt.Fprintln(output, "invalid")
			continue
		}
		switch semver.Compare(left, right) {
		case -1:
			fmt.Fprintln(output, "lt")
		case 1:
			fmt.Fprintln(output, "gt")
		default:
			fmt.Fprintln(output, "eq")
		}
	}
}
