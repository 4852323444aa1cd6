package portal

import (
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"wijkhelpt"
)

// site is the HTML side of the portal: the App's helpers plus the parsed
// templates and static files. Its handlers are the page_*.go files.
type site struct {
	*App
	views *views
	flash map[string]wijkhelpt.Text
}

// pages registers the HTML pages on r. The core calls it once, after the
// API and after identify and checkCSRF, so every page has a.viewer(c) and
// every POST here is CSRF-checked already. A broken template is an error
// here and stops New.
//
// Who may open what (anonymous visitors are sent to /inloggen for the
// others):
//
//	/, /privacy, /hulpvraag, /r/{token}, /aanbod, /inloggen[/...], /uitloggen  everyone
//	/vrijwilliger/...                                                    volunteers
//	/telefoon/...                                                        phone staff, mediators, admins
//	/bemiddeling/...                                                     mediators, admins
//	/beheer/...                                                          admins
func (a *App) pages(r fiber.Router) error {
	v, err := newViews(a.deps.DeskPhone)
	if err != nil {
		return err
	}
	s := &site{App: a, views: v, flash: flashTexts()}
	a.pageError = s.errorPage

	r.Get("/static/*", v.serveAsset)

	r.Get("/", s.home)
	r.Get("/privacy", s.privacy)

	r.Get("/hulpvraag", s.requestForm)
	r.Post("/hulpvraag", s.requestSubmit)
	r.Get("/hulpvraag/verzonden", s.requestSent)
	r.Get("/r/:token", s.statusPage)
	r.Post("/r/:token/annuleren", s.statusCancel)

	r.Get("/aanbod", s.offerForm)
	r.Post("/aanbod", s.offerSubmit)

	r.Get("/inloggen", s.loginForm)
	r.Post("/inloggen", s.loginSubmit)
	r.Get("/inloggen/sms", s.loginCodeForm)
	r.Post("/inloggen/sms", s.loginCodeSend)
	r.Post("/inloggen/code", s.loginCodeSubmit)
	r.Get("/uitloggen", s.logoutForm)
	r.Post("/uitloggen", s.logoutSubmit)

	vol := r.Group("/vrijwilliger", a.requireRole(wijkhelpt.RoleVolunteer))
	vol.Get("/", s.volunteerHome)
	vol.Post("/antwoord", s.volunteerAnswer)
	vol.Post("/uren", s.volunteerHours)
	vol.Post("/kan-niet", s.volunteerWithdraw)
	vol.Post("/pauze", s.volunteerPause)
	vol.Post("/afwezig", s.volunteerAway)
	vol.Post("/afwezig/weg", s.volunteerAwayRemove)

	tel := r.Group("/telefoon", a.requireRole(staffRoles...))
	tel.Get("/", s.phoneForm)
	tel.Post("/", s.phoneSubmit)
	tel.Get("/adres", s.phoneAddress)
	tel.Post("/terugbellen/:id", s.phoneCallbackDone)

	med := r.Group("/bemiddeling", a.requireRole(mediatorRoles...))
	med.Get("/", s.queue)
	med.Get("/lijst", s.plainList)
	med.Get("/lijst.txt", s.plainListText)
	med.Get("/:id", s.mediationRequest)
	med.Get("/:id/stand", s.mediationState)
	med.Get("/:id/bewerken", s.editForm)
	med.Post("/:id/bewerken", s.editSubmit)
	med.Post("/:id/notitie", s.mediationNote)
	med.Post("/:id/bevestigen", s.mediationConfirm)
	med.Post("/:id/doorverwijzen", s.mediationRefer)
	med.Post("/:id/annuleren", s.mediationCancel)
	med.Post("/:id/intrekken", s.mediationWithdraw)
	med.Post("/:id/uitsluiten", s.mediationBlock)

	adm := r.Group("/beheer", a.requireRole(wijkhelpt.RoleAdmin))
	adm.Get("/", s.admin)
	adm.Post("/gebruikers", s.adminUserCreate)
	adm.Post("/gebruikers/:id", s.adminUserUpdate)
	adm.Post("/vog/:id", s.adminVOG)
	return nil
}

// page starts the data for a template from who is asking.
func (s *site) page(c *fiber.Ctx, section string) *page {
	v := s.viewer(c)
	p := &page{
		Lang:     v.Lang,
		Section:  section,
		Role:     v.Role,
		LoggedIn: v.LoggedIn,
		UserName: v.Name,
		CSRF:     v.CSRF,
		Path:     c.Path(),
	}
	if t, ok := s.flash[c.Query("klaar")]; ok {
		p.Flash = t.In(v.Lang)
	}
	p.Form = newForm(p.Lang)
	return p
}

// redirect answers a successful POST with 303 See Other (Post/Redirect/Get),
// with an optional flash code for the page it leads to.
func redirect(c *fiber.Ctx, target, flash string) error {
	if flash != "" {
		path, frag, hasFrag := strings.Cut(target, "#")
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		target = path + sep + "klaar=" + url.QueryEscape(flash)
		if hasFrag {
			target += "#" + frag
		}
	}
	return c.Redirect(target, fiber.StatusSeeOther)
}

// errorPage renders an error (404, 403, 429, 500, an expired form) as a
// page in the visitor's language. Fiber's error handler calls it for every
// page route.
func (s *site) errorPage(c *fiber.Ctx, status int, e *wijkhelpt.Error) error {
	p := s.page(c, "")
	p.Form = nil
	p.D = struct {
		Status  int
		Message string
	}{status, e.Message.In(p.Lang)}
	return s.views.render(c, status, "error", p)
}

// home is the front page: ask for help or offer it.
func (s *site) home(c *fiber.Ctx) error {
	return s.views.render(c, fiber.StatusOK, "home", s.page(c, "home"))
}

// privacy says what data we keep and why, and credits the sources.
func (s *site) privacy(c *fiber.Ctx) error {
	return s.views.render(c, fiber.StatusOK, "privacy", s.page(c, "privacy"))
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
