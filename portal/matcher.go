package portal

import (
	"wijkhelpt"
	"wijkhelpt/matching"
)

// Matcher is what the portal needs from the matching engine
// (*matching.Engine): ranked suggestions for a request, and the check of one
// chosen offer against the same rules before a mediator confirms it.
type Matcher interface {
	Suggest(r *wijkhelpt.Request, k int, today string) matching.Result
	// Eligible returns the offer's suggestion for r, or why it may not be
	// proposed: a not-found or conflict *wijkhelpt.Error naming the rule.
	Eligible(r *wijkhelpt.Request, offerID, today string) (matching.Suggestion, error)
}
