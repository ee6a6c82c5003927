// Command membersdemo writes the fictitious demo member directory:
//
//	go run ./scripts/membersdemo > examples/members-demo.csv
//
// Every fødselsnummer is a synthetic test number (month + 80) and every
// phone number starts with members.DemoPhonePrefix.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/sentralbord/sentralbord/members"
)

func main() {
	n := flag.Int("n", 40, "how many members")
	flag.Parse()
	if err := members.WriteCSV(os.Stdout, members.Demo(*n)); err != nil {
		fmt.Fprintln(os.Stderr, "membersdemo:", err)
		os.Exit(1)
	}
}
