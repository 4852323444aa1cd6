package portal

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Password hashing parameters: argon2id with OWASP's minimum (19 MiB, two
// passes, one lane). They are written into every hash, so raising them later
// keeps old hashes checkable.
const (
	argonMemoryKiB = 19 * 1024
	argonTime      = 2
	argonThreads   = 1
	argonKeyLen    = 32
	argonSaltLen   = 16
	// MinPasswordLen is the shortest password accepted for a new account.
	MinPasswordLen = 10
	// maxPasswordLen bounds the work one login attempt can cause.
	maxPasswordLen = 256
)

// HashPassword returns pw hashed with argon2id in the PHC string format:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash> (unpadded base64).
func HashPassword(pw string) (string, error) {
	if len(pw) < MinPasswordLen {
		return "", fmt.Errorf("portal: password shorter than %d characters", MinPasswordLen)
	}
	if len(pw) > maxPasswordLen {
		return "", fmt.Errorf("portal: password longer than %d bytes", maxPasswordLen)
	}
	return argonHash(pw)
}

// argonHash hashes a secret of any length as HashPassword does; short
// secrets (login codes) are hashed here directly, CheckPassword checks them.
func argonHash(pw string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("portal: password salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemoryKiB, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword reports whether pw matches a hash made by HashPassword. A
// malformed hash never matches.
func CheckPassword(encoded, pw string) bool {
	p, err := parseArgon2(encoded)
	if err != nil || len(pw) > maxPasswordLen {
		return false
	}
	key := argon2.IDKey([]byte(pw), p.salt, p.time, p.memory, p.threads, uint32(len(p.key)))
	return subtle.ConstantTimeCompare(key, p.key) == 1
}

type argonParams struct {
	memory  uint32
	time    uint32
	threads uint8
	salt    []byte
	key     []byte
}

var errBadHash = errors.New("portal: malformed password hash")

func parseArgon2(encoded string) (argonParams, error) {
	var p argonParams
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, errBadHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.memory, &p.time, &p.threads); err != nil {
		return p, errBadHash
	}
	// Refuse parameters that would let a planted hash exhaust the machine.
	if p.memory < 1024 || p.memory > 1<<20 || p.time < 1 || p.time > 10 || p.threads < 1 || p.threads > 8 {
		return p, errBadHash
	}
	var err error
	if p.salt, err = base64.RawStdEncoding.DecodeString(parts[4]); err != nil || len(p.salt) < 8 {
		return p, errBadHash
	}
	if p.key, err = base64.RawStdEncoding.DecodeString(parts[5]); err != nil || len(p.key) < 16 || len(p.key) > 64 {
		return p, errBadHash
	}
	return p, nil
}
