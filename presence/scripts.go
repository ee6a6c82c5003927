package presence

import (
	"embed"

	"github.com/redis/go-redis/v9"
)

//go:embed lua/*.lua
var luaFS embed.FS

// script joins the prelude and the named files (shared functions first).
func script(names ...string) *redis.Script {
	src, err := luaFS.ReadFile("lua/prelude.lua")
	if err != nil {
		panic(err) // embedded at build time: cannot fail
	}
	for _, name := range names {
		body, err := luaFS.ReadFile("lua/" + name + ".lua")
		if err != nil {
			panic(err)
		}
		src = append(append(src, '\n'), body...)
	}
	return redis.NewScript(string(src))
}

var (
	claimScript   = script("claim")
	unclaimScript = script("unclaim")
	answerScript  = script("answer")
	endCallScript = script("endcall")
	agentScript   = script("verbs", "agent")
	leaveScript   = script("leave")
)

// allScripts are the scripts Sync loads.
func allScripts() []*redis.Script {
	return []*redis.Script{claimScript, unclaimScript, answerScript, endCallScript, agentScript, leaveScript, phoneScript}
}
