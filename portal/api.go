package portal

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"wijkhelpt"
)

// decodeJSON reads the request body into dst. A body that is not JSON is a
// 400; a value of the wrong type in a known field is a 422 on that field,
// so that clients learn which field to fix.
func decodeJSON(c *fiber.Ctx, dst any) error {
	ct := strings.ToLower(c.Get(fiber.HeaderContentType))
	if !strings.HasPrefix(ct, fiber.MIMEApplicationJSON) {
		return errMalformed
	}
	err := json.Unmarshal(c.Body(), dst)
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return wijkhelpt.Invalid(te.Field, wijkhelpt.T("Dit veld heeft niet de goede vorm.", "This field does not have the right form."))
	}
	return errMalformed
}

// decodeOptionalJSON is decodeJSON for routes whose body may be empty.
func decodeOptionalJSON(c *fiber.Ctx, dst any) error {
	if len(strings.TrimSpace(string(c.Body()))) == 0 {
		return nil
	}
	return decodeJSON(c, dst)
}

// queryInt reads an integer query parameter in [lo, hi], def when absent.
func queryInt(c *fiber.Ctx, name string, def, lo, hi int) (int, error) {
	s := c.Query(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, wijkhelpt.Invalid(name, wijkhelpt.T(
			"Kies een getal van "+strconv.Itoa(lo)+" tot en met "+strconv.Itoa(hi)+".",
			"Choose a number from "+strconv.Itoa(lo)+" to "+strconv.Itoa(hi)+"."))
	}
	return n, nil
}

// notFoundRequest is the answer for a request that does not exist or that
// the caller may not see: the two must look the same.
func notFoundRequest() *wijkhelpt.Error {
	return wijkhelpt.NotFound(wijkhelpt.T("De hulpvraag", "The request"))
}

func notFoundMatch() *wijkhelpt.Error {
	return wijkhelpt.NotFound(wijkhelpt.T("De koppeling", "The match"))
}

func notFoundOffer() *wijkhelpt.Error {
	return wijkhelpt.NotFound(wijkhelpt.T("Het aanbod", "The offer"))
}
