package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the length of an AES-256 key in bytes.
const KeySize = 32

// version prefixes every sealed value so that the format (AES-256-GCM, 12-byte random
// nonce) can change later without guessing.
const version byte = 1

// ErrOpen is returned when a sealed value cannot be opened: wrong key, wrong
// additional data, or a value that was altered or truncated. The causes are not told
// apart on purpose.
var ErrOpen = errors.New("secrets: cannot open sealed value (wrong key, wrong context or tampered)")

// Key seals and opens credentials with AES-256-GCM. It is safe for concurrent use.
type Key struct {
	aead cipher.AEAD
}

// NewKey builds a Key from 32 raw bytes.
func NewKey(raw []byte) (*Key, error) {
	if len(raw) != KeySize {
		return nil, fmt.Errorf("secrets: key is %d bytes, want %d", len(raw), KeySize)
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	return &Key{aead: aead}, nil
}

// ParseKey builds a Key from the --secrets-key value: 32 bytes written as 64 hex
// digits or as base64 (standard or URL alphabet, padded or not). Surrounding space is
// ignored. The error never repeats the value.
func ParseKey(s string) (*Key, error) {
	s = strings.TrimSpace(s)
	if len(s) == 2*KeySize {
		if raw, err := hex.DecodeString(s); err == nil {
			return NewKey(raw)
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if raw, err := enc.DecodeString(s); err == nil && len(raw) == KeySize {
			return NewKey(raw)
		}
	}
	return nil, errors.New("secrets: key must be 32 bytes as 64 hex digits or base64")
}

// Context builds the additional data that binds a sealed value to where it belongs,
// e.g. Context("merchant-42", "imoje", "shop_key"). Parts are length-prefixed, so
// ("ab","c") and ("a","bc") differ.
func Context(parts ...string) []byte {
	var b []byte
	for _, p := range parts {
		b = fmt.Appendf(b, "%d:%s;", len(p), p)
	}
	return b
}

// Seal encrypts plaintext, authenticating additionalData (use Context) with it. The
// result is version || nonce || ciphertext+tag and differs on every call.
func (k *Key) Seal(plaintext, additionalData []byte) ([]byte, error) {
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("secrets: nonce: %w", err)
	}
	out := make([]byte, 0, 1+len(nonce)+len(plaintext)+k.aead.Overhead())
	out = append(out, version)
	out = append(out, nonce...)
	return k.aead.Seal(out, nonce, plaintext, additionalData), nil
}

// Open decrypts a value made by Seal with the same key and additionalData. Any
// mismatch returns ErrOpen.
func (k *Key) Open(sealed, additionalData []byte) ([]byte, error) {
	n := k.aead.NonceSize()
	if len(sealed) < 1+n+k.aead.Overhead() || sealed[0] != version {
		return nil, ErrOpen
	}
	plain, err := k.aead.Open(nil, sealed[1:1+n], sealed[1+n:], additionalData)
	if err != nil {
		return nil, ErrOpen
	}
	return plain, nil
}

// SealSecret seals one credential; see Seal.
func (k *Key) SealSecret(s Secret, additionalData []byte) ([]byte, error) {
	return k.Seal([]byte(s.Reveal()), additionalData)
}

// OpenSecret opens a credential sealed by SealSecret; see Open.
func (k *Key) OpenSecret(sealed, additionalData []byte) (Secret, error) {
	plain, err := k.Open(sealed, additionalData)
	if err != nil {
		return "", err
	}
	return Secret(plain), nil
}
