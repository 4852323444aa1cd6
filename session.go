package wijkhelpt

import "time"

// Session is a logged-in browser session of the portal. Its ID is the hash of
// the cookie value, so a leaked database does not let anyone log in.
type Session struct {
	ID        string            `json:"-" bson:"_id"`
	UserID    string            `json:"userId" bson:"userId"`
	Role      Role              `json:"role" bson:"role"`
	CSRF      string            `json:"-" bson:"csrf"`
	Lang      string            `json:"lang" bson:"lang"`
	CreatedAt time.Time         `json:"createdAt" bson:"createdAt"`
	LastSeen  time.Time         `json:"lastSeen" bson:"lastSeen"`
	ExpiresAt time.Time         `json:"expiresAt" bson:"expiresAt"`
	Data      map[string]string `json:"-" bson:"data,omitempty"`
}

// Callback is a call-back task for phone staff: someone without a mobile
// phone who must be told something by phone instead of by SMS (spec flow 5).
type Callback struct {
	ID        string    `json:"id"`
	RequestID string    `json:"requestId"`
	Ref       string    `json:"ref"`
	Name      string    `json:"name"`
	Phone     string    `json:"phone"`
	Text      string    `json:"text"` // what to read out
	DueAt     time.Time `json:"dueAt"`
	Done      bool      `json:"done"`
}
