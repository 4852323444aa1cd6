package portal

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"wijkhelpt"
)

// Store is what the portal needs from the database. The stores implement it;
// the portal never imports the store package, cmd/wijkhelpt wires it in.
type Store interface {
	FindRequest(ctx context.Context, id string) (*wijkhelpt.Request, error)
	FindRequestByToken(ctx context.Context, tokenHash string) (*wijkhelpt.Request, error)
	FindRequestByMatch(ctx context.Context, matchID string) (*wijkhelpt.Request, error)
	FindRequests(ctx context.Context, f wijkhelpt.RequestFilter) ([]*wijkhelpt.Request, error)
	UpdateRequest(ctx context.Context, id string, fn func(*wijkhelpt.Request) error) (*wijkhelpt.Request, error)

	FindOffer(ctx context.Context, id string) (*wijkhelpt.Offer, error)
	FindOffers(ctx context.Context, f wijkhelpt.OfferFilter) ([]*wijkhelpt.Offer, error)
	UpdateOffer(ctx context.Context, id string, fn func(*wijkhelpt.Offer) error) (*wijkhelpt.Offer, error)

	CreateUser(ctx context.Context, u *wijkhelpt.User) error
	FindUser(ctx context.Context, id string) (*wijkhelpt.User, error)
	FindUserByEmail(ctx context.Context, email string) (*wijkhelpt.User, error)
	FindUsers(ctx context.Context) ([]*wijkhelpt.User, error)
	UpdateUser(ctx context.Context, id string, fn func(*wijkhelpt.User) error) (*wijkhelpt.User, error)

	FindTokenByHash(ctx context.Context, hash string) (*wijkhelpt.APIToken, error)

	SaveSession(ctx context.Context, s *wijkhelpt.Session) error
	FindSession(ctx context.Context, id string) (*wijkhelpt.Session, error)
	DeleteSession(ctx context.Context, id string) error

	// Hit counts one attempt under key and returns how many there were in
	// the window ending at now, this one included.
	Hit(ctx context.Context, key string, window time.Duration, now time.Time) (int64, error)
	// Audit records that actor did action on the object, for the record of
	// who viewed whose personal data.
	Audit(ctx context.Context, actor wijkhelpt.Actor, action, objectID string, at time.Time) error
	Ping(ctx context.Context) error
}

// Notifier is what the portal needs from the SMS side: inbound webhooks,
// the call-back tasks for phone staff, login codes, and a nudge when a
// change queued messages. *notify.Notifier implements it.
type Notifier interface {
	// HandleSMS checks the signature of an inbound SMS and handles it. It
	// returns the TwiML document to answer with, or a plain reply text (may
	// be empty) that the portal wraps in one. A bad signature is an
	// ErrForbidden *wijkhelpt.Error.
	HandleSMS(ctx context.Context, fullURL string, form url.Values, signature string) (string, error)
	// HandleStatus checks the signature of a delivery status callback and records it.
	HandleStatus(ctx context.Context, fullURL string, form url.Values, signature string) error
	Callbacks(ctx context.Context) ([]wijkhelpt.Callback, error)
	CallbackDone(ctx context.Context, id string, by wijkhelpt.Actor) error
	// SendLoginCode sends a one-time login code to a mobile number (E.164)
	// at once, saying it holds for valid. A number that opted out gets
	// nothing and an ErrConflict *wijkhelpt.Error.
	SendLoginCode(ctx context.Context, to, lang, code string, valid time.Duration) error
	// Wake makes the background work look for messages to send now rather
	// than at its next poll, which on a busy store may be a minute away.
	Wake()
}

// Deps is everything the portal is built from. Store, Desk and PublicURL
// are required; the rest may be left zero, with the behaviour documented at
// each field.
type Deps struct {
	Store Store
	Desk  *wijkhelpt.Desk
	// Matcher suggests volunteers and checks a chosen one. Without it the
	// suggestion and confirmation routes answer 503.
	Matcher Matcher
	// Classifier infers categories for POST /api/v1/classify; without it the
	// answer is an empty list.
	Classifier wijkhelpt.Classifier
	// Notifier handles the Twilio webhooks, call-back tasks and login codes;
	// without it those routes answer 503 and the login page offers no SMS
	// code.
	Notifier Notifier
	// Finder searches the search index. Without it the mediator's volunteer
	// search matches names in the store only, and the queue has no search.
	Finder Finder
	// PublicURL is the portal's own origin and base path as the outside world
	// sees it ("https://wijkhelpt.example.nl"). Origin checks and Twilio
	// signatures are computed against it.
	PublicURL string
	// DeskPhone is the help desk's phone number, shown to people.
	DeskPhone string
	// SecureCookies is true behind HTTPS: cookies get the __Host- prefix and
	// the Secure flag, and HSTS is sent.
	SecureCookies bool
	Logger        *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// AnswerTimeout is how long a volunteer has to answer a proposal;
	// wijkhelpt.DefaultAnswerTimeout when zero.
	AnswerTimeout time.Duration
	// Metrics, when set, is served at /metrics.
	Metrics http.Handler
	// Ready reports whether the service can take work; Store.Ping when nil.
	Ready func(ctx context.Context) error
	// ProxyHeader names the header holding the client's IP (such as
	// "X-Forwarded-For") when the portal runs behind a load balancer; it is
	// only believed from TrustedProxies. Rate limits count per client IP.
	ProxyHeader    string
	TrustedProxies []string
}

// Finder is the free-text search of the search index: volunteers by name or
// by what they wrote, requests by reference or by their text and notes. Both
// return IDs, best first; the portal reads the documents from the store, so
// the index never decides what a page shows about them. When no volunteer's
// name or text matches, FindOfferIDs may read the words as a kind of help
// ("computer") and return the volunteers of those categories, naming them.
type Finder interface {
	FindOfferIDs(ctx context.Context, text string, limit int) (ids, categories []string, err error)
	FindRequestIDs(ctx context.Context, text string, limit int) ([]string, error)
}
