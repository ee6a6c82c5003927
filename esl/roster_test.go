package esl

import "github.com/sentralbord/sentralbord/routing"

var fuzzRoster = func() *routing.Roster {
	r, err := routing.NewRoster([]routing.Agent{{ID: "eli", Extension: "1000"}, {ID: "sipp", Extension: "9001"}}, nil)
	if err != nil {
		panic(err)
	}
	return r
}()
