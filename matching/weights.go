package matching

import (
	"math"

	"wijkhelpt"
)

// Weights are the weights of the five parts of the score (spec §7). With
// weights that add up to 1 the score lies in [0, 1].
type Weights struct {
	Distance     float64 `json:"distance"`
	Skill        float64 `json:"skill"`
	Availability float64 `json:"availability"`
	Load         float64 `json:"load"`
	Continuity   float64 `json:"continuity"`
}

// DefaultWeights are the weights of the spec: distance counts most, then
// shared categories, availability, load and continuity.
func DefaultWeights() Weights {
	return Weights{Distance: 0.40, Skill: 0.25, Availability: 0.15, Load: 0.10, Continuity: 0.10}
}

// Validate checks that every weight is a finite number >= 0 and that they add
// up to 1 (within 1e-6), so that scores stay in [0, 1].
func (w Weights) Validate() error {
	sum := 0.0
	for _, v := range []float64{w.Distance, w.Skill, w.Availability, w.Load, w.Continuity} {
		if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			return wijkhelpt.Invalid("weights", wijkhelpt.T(
				"Elk gewicht moet 0 of meer zijn.", "Every weight must be 0 or more."))
		}
		sum += v
	}
	if math.Abs(sum-1) > 1e-6 {
		return wijkhelpt.Invalid("weights", wijkhelpt.T(
			"De gewichten moeten samen 1 zijn.", "The weights must add up to 1."))
	}
	return nil
}
