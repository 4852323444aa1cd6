package wijkhelpt

import "time"

// User is an account: staff, or a volunteer who logs in to the portal.
type User struct {
	ID           string `json:"id" bson:"_id"`
	Email        string `json:"email" bson:"email"` // lower case, unique
	Name         string `json:"name" bson:"name"`
	Role         Role   `json:"role" bson:"role"`
	Phone        string `json:"-" bson:"phone,omitempty"`
	PasswordHash string `json:"-" bson:"passwordHash,omitempty"`
	// OfferID links a volunteer's account to their offer.
	OfferID       string    `json:"offerId,omitempty" bson:"offerId,omitempty"`
	Disabled      bool      `json:"disabled,omitempty" bson:"disabled,omitempty"`
	CreatedAt     time.Time `json:"createdAt" bson:"createdAt"`
	UpdatedAt     time.Time `json:"updatedAt" bson:"updatedAt"`
	Revision      int64     `json:"revision" bson:"revision"`
	SchemaVersion int       `json:"-" bson:"schemaVersion"`
}

// APIToken is a bearer token for the JSON API. Only its hash is stored.
type APIToken struct {
	ID        string    `json:"id" bson:"_id"`
	Hash      string    `json:"-" bson:"hash"` // HashToken(token), unique
	Name      string    `json:"name" bson:"name"`
	Role      Role      `json:"role" bson:"role"`
	UserID    string    `json:"userId,omitempty" bson:"userId,omitempty"`
	CreatedAt time.Time `json:"createdAt" bson:"createdAt"`
	Revoked   bool      `json:"revoked,omitempty" bson:"revoked,omitempty"`
}

// RequestFilter selects requests. Zero fields select everything.
type RequestFilter struct {
	Statuses []RequestStatus
	// Phone selects requests whose contact phone (E.164) is this one.
	Phone string
	// OfferID selects requests with a match to this offer.
	OfferID string
	// After is the ID of the last request of the previous page.
	After string
	Limit int
}

// OfferFilter selects offers. Zero fields select everything.
type OfferFilter struct {
	Phone  string
	UserID string
	// Query is a case-insensitive part of the name, for staff searching.
	Query string
	After string
	Limit int
}
