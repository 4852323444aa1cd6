package portal

import (
	"bytes"
	"encoding/xml"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"wijkhelpt"
)

// TwilioSignatureHeader carries Twilio's signature of a webhook request.
const TwilioSignatureHeader = "X-Twilio-Signature"

// webhookRoutes registers Twilio's callbacks. They come before identify and
// checkCSRF: Twilio has no session and no CSRF token; the signature over the
// full URL and the form, checked by the Notifier, is what proves the request
// came from Twilio.
func (a *App) webhookRoutes(r fiber.Router) {
	r.Post("/webhooks/twilio/sms", a.handleTwilioSMS)
	r.Post("/webhooks/twilio/status", a.handleTwilioStatus)
}

// twilioRequest reads what the Notifier needs to check a webhook: the URL
// Twilio called (PublicURL + path and query) and the posted form.
func (a *App) twilioRequest(c *fiber.Ctx) (string, url.Values, bool) {
	form, err := url.ParseQuery(string(c.Body()))
	if err != nil {
		return "", nil, false
	}
	return a.base + requestPath(c), form, true
}

func (a *App) handleTwilioSMS(c *fiber.Ctx) error {
	if a.deps.Notifier == nil {
		return a.webhookFailed(c, errUnavailable())
	}
	full, form, ok := a.twilioRequest(c)
	if !ok {
		return c.Status(fiber.StatusBadRequest).SendString("bad form")
	}
	reply, err := a.deps.Notifier.HandleSMS(c.UserContext(), full, form, c.Get(TwilioSignatureHeader))
	if err != nil {
		return a.webhookFailed(c, err)
	}
	// An answer may have queued messages (the address for a volunteer who
	// said JA, the news for the resident) and a reply: send them now.
	a.deps.Notifier.Wake()
	c.Set(fiber.HeaderContentType, "text/xml; charset=utf-8")
	if strings.HasPrefix(strings.TrimSpace(reply), "<") {
		return c.SendString(reply) // a TwiML document already
	}
	return c.Send(twiML(reply))
}

func (a *App) handleTwilioStatus(c *fiber.Ctx) error {
	if a.deps.Notifier == nil {
		return a.webhookFailed(c, errUnavailable())
	}
	full, form, ok := a.twilioRequest(c)
	if !ok {
		return c.Status(fiber.StatusBadRequest).SendString("bad form")
	}
	if err := a.deps.Notifier.HandleStatus(c.UserContext(), full, form, c.Get(TwilioSignatureHeader)); err != nil {
		return a.webhookFailed(c, err)
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// webhookFailed answers Twilio in plain text: 403 for a bad signature, 400
// for a form it should not resend, 5xx (which Twilio retries) otherwise.
func (a *App) webhookFailed(c *fiber.Ctx, err error) error {
	status := fiber.StatusInternalServerError
	switch wijkhelpt.ErrorCodeOf(err) {
	case wijkhelpt.ErrForbidden, wijkhelpt.ErrUnauthorized:
		a.log.WarnContext(c.UserContext(), "webhook signature refused", "route", c.Path())
		status = fiber.StatusForbidden
	case wijkhelpt.ErrInvalid, wijkhelpt.ErrNotFound, wijkhelpt.ErrConflict:
		status = fiber.StatusBadRequest
	case wijkhelpt.ErrUnavailable:
		status = fiber.StatusServiceUnavailable
	default:
		a.log.ErrorContext(c.UserContext(), "webhook failed", "route", c.Path(), "err", err)
	}
	return c.Status(status).SendString(fiber.NewError(status).Message)
}

// twiML is Twilio's answer document: the reply SMS, or nothing.
func twiML(reply string) []byte {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	if reply == "" {
		b.WriteString("<Response></Response>")
		return b.Bytes()
	}
	b.WriteString("<Response><Message>")
	_ = xml.EscapeText(&b, []byte(reply))
	b.WriteString("</Message></Response>")
	return b.Bytes()
}
