package portal

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"wijkhelpt"
)

// statusOf is the one table from domain error codes to HTTP statuses.
func statusOf(code wijkhelpt.ErrorCode) int {
	switch code {
	case wijkhelpt.ErrInvalid:
		return fiber.StatusUnprocessableEntity
	case wijkhelpt.ErrUnauthorized:
		return fiber.StatusUnauthorized
	case wijkhelpt.ErrForbidden:
		return fiber.StatusForbidden
	case wijkhelpt.ErrNotFound:
		return fiber.StatusNotFound
	case wijkhelpt.ErrConflict:
		return fiber.StatusConflict
	case wijkhelpt.ErrRateLimited:
		return fiber.StatusTooManyRequests
	case wijkhelpt.ErrUnavailable:
		return fiber.StatusServiceUnavailable
	}
	return fiber.StatusInternalServerError
}

// codeMalformed is the API code for a body that is not valid JSON (400).
// It is not a domain code: the domain never sees such a body.
const codeMalformed = "malformed"

// httpError is an error with a fixed status that is not a domain outcome:
// a malformed body, an unknown route, a body that is too large.
type httpError struct {
	status int
	code   string
	msg    wijkhelpt.Text
}

func (e *httpError) Error() string { return e.code + ": " + e.msg.EN }

var (
	errNoRoute = &httpError{fiber.StatusNotFound, string(wijkhelpt.ErrNotFound),
		wijkhelpt.T("Deze pagina bestaat niet.", "This page does not exist.")}
	errMalformed = &httpError{fiber.StatusBadRequest, codeMalformed,
		wijkhelpt.T("De gegevens konden niet worden gelezen. Stuur geldige JSON.", "The data could not be read. Send valid JSON.")}
	errTooLarge = &httpError{fiber.StatusRequestEntityTooLarge, string(wijkhelpt.ErrInvalid),
		wijkhelpt.T("Dit is te veel tekst om te versturen.", "This is too much text to send.")}
	errMethod = &httpError{fiber.StatusMethodNotAllowed, "method_not_allowed",
		wijkhelpt.T("Dit kan hier niet.", "This is not possible here.")}
	errCSRF = &httpError{fiber.StatusForbidden, string(wijkhelpt.ErrForbidden),
		wijkhelpt.T("Dit formulier is verlopen of kwam niet van deze website. Laad de pagina opnieuw en probeer het nog eens.",
			"This form has expired or did not come from this website. Reload the page and try again.")}
)

// errUnavailable is for a dependency that is not configured or down.
func errUnavailable() *wijkhelpt.Error {
	return &wijkhelpt.Error{Code: wijkhelpt.ErrUnavailable, Message: wijkhelpt.T(
		"Dit werkt nu even niet. Probeer het later opnieuw of bel de hulplijn.",
		"This is not available right now. Please try again later or call the help desk.")}
}

// errRateLimited tells someone to slow down.
func errRateLimited() *wijkhelpt.Error {
	return &wijkhelpt.Error{Code: wijkhelpt.ErrRateLimited, Message: wijkhelpt.T(
		"U heeft dit te vaak geprobeerd. Wacht even en probeer het dan opnieuw.",
		"You have tried this too often. Please wait a while and try again.")}
}

// apiErrorBody is the JSON shape of every API error.
type apiErrorBody struct {
	Error apiError `json:"error"`
}

type apiError struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// classify turns any error into a status and a domain error safe to show.
// Internal errors are logged here, once, without personal data: errors
// wrap IDs, never phone numbers or texts (house rule).
func (a *App) classify(c *fiber.Ctx, err error) (int, *wijkhelpt.Error) {
	var he *httpError
	if errors.As(err, &he) {
		return he.status, &wijkhelpt.Error{Code: wijkhelpt.ErrorCode(he.code), Message: he.msg}
	}
	var fe *fiber.Error
	if errors.As(err, &fe) {
		switch fe.Code {
		case fiber.StatusNotFound:
			return a.classify(c, errNoRoute)
		case fiber.StatusRequestEntityTooLarge:
			return a.classify(c, errTooLarge)
		case fiber.StatusMethodNotAllowed:
			return a.classify(c, errMethod)
		case fiber.StatusBadRequest:
			return a.classify(c, errMalformed)
		}
		if fe.Code < 500 {
			return fe.Code, &wijkhelpt.Error{Code: wijkhelpt.ErrInvalid, Message: wijkhelpt.T("Dit verzoek klopt niet.", "This request is not valid.")}
		}
	}
	e := wijkhelpt.AsError(err)
	status := statusOf(e.Code)
	if status >= 500 {
		route := ""
		if r := c.Route(); r != nil {
			route = r.Path // the pattern, never the URL: /r/:token must not log tokens
		}
		a.log.ErrorContext(c.UserContext(), "request failed",
			"method", c.Method(), "route", route, "status", status, "err", err)
		if e.Code == wijkhelpt.ErrInternal {
			e = wijkhelpt.AsError(errors.New("hide"))
		}
	}
	return status, e
}

// handleError is Fiber's error handler: JSON for the API and the webhooks,
// an HTML page for everything else.
func (a *App) handleError(c *fiber.Ctx, err error) error {
	status, e := a.classify(c, err)
	if status == fiber.StatusTooManyRequests {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(retryAfterSeconds))
	}
	if isAPI(c.Path()) || a.pageError == nil {
		return a.writeAPIError(c, status, e)
	}
	return a.pageError(c, status, e)
}

// writeAPIError writes the JSON error body in the caller's language.
func (a *App) writeAPIError(c *fiber.Ctx, status int, e *wijkhelpt.Error) error {
	lang := a.apiLang(c)
	body := apiErrorBody{Error: apiError{Code: string(e.Code), Message: e.Message.In(lang)}}
	if len(e.Fields) > 0 {
		body.Error.Fields = make(map[string]string, len(e.Fields))
		for k, v := range e.Fields {
			body.Error.Fields[k] = v.In(lang)
		}
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(status).JSON(body)
}
