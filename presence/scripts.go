package presence

import (
	"embed"

	"github.com/redis/go-redis/v9"
)

//go:embed lua/*.lua
var luaFS embed.FS

func script(name string) *redis.Script {
	prelude, err := luaFS.ReadFile("lua/prelude.lua")
	if err != nil {
		panic(err) // embedded at build time: cannot fail
	}
	body, err := luaFS.ReadFile("lua/" + name + ".lua")
	if err != nil {
		panic(err)
	}
	return redis.NewScript(string(prelude) + "\n" + string(body))
}

var (
	claimScript   = script("claim")
	unclaimScript = script("unclaim")
	answerScript  = script("answer")
	endCallScript = script("endcall")
	agentScript   = script("agent")
	leaveScript   = script("leave")
)
