package portal

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"wijkhelpt"
)

func (a *App) classifyRoutes(r fiber.Router) {
	r.Post("/classify", a.apiClassify)
}

type classifyBody struct {
	Text string `json:"text"`
}

type classifyResult struct {
	Categories []wijkhelpt.CategoryScore `json:"categories"`
}

// apiClassify suggests categories for a text. It is open to anyone (the
// request form uses it while a resident types) and limited per address.
func (a *App) apiClassify(c *fiber.Ctx) error {
	ctx := c.UserContext()
	if err := a.limit(ctx, "classify:ip:"+c.IP(), classifyPerMinute, time.Minute, a.now()); err != nil {
		return err
	}
	var in classifyBody
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	text := strings.TrimSpace(in.Text)
	switch {
	case text == "":
		return wijkhelpt.Invalid("text", wijkhelpt.T("Schrijf eerst iets.", "Write something first."))
	case utf8.RuneCountInString(text) > wijkhelpt.MaxTextLen:
		return wijkhelpt.Invalid("text", wijkhelpt.T("Deze tekst is te lang.", "This text is too long."))
	}
	out := classifyResult{Categories: []wijkhelpt.CategoryScore{}}
	if a.deps.Classifier != nil {
		if got := a.deps.Classifier.Classify(text); got != nil {
			out.Categories = got
		}
	}
	return c.JSON(out)
}
