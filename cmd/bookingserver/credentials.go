package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/bookingserver/bookingserver/server"
)

// credentialConfig is where `serve` gets the credentials it accepts: flags for one
// pair and one token, and files for several, which SIGHUP reads again (rotation
// without downtime: add the new credential, let the caller move over, remove the old).
type credentialConfig struct {
	authUser, authPassword string
	authFile               string
	adminToken             string
	adminTokenFile         string
	insecureNoAuth         bool
}

func (c *credentialConfig) register(fs *flag.FlagSet) {
	fs.StringVar(&c.authUser, "auth-user", "", "HTTP basic auth user name Google calls with (this, or --auth-file, is required unless --insecure-no-auth)")
	secretFlag(fs, &c.authPassword, "auth-password", "HTTP basic auth password Google calls with")
	fs.StringVar(&c.authFile, "auth-file", "", "file of basic auth credentials Google may call with, one user:password a line (bcrypt hashes as htpasswd -B writes them accepted; # comments); re-read on SIGHUP")
	fs.BoolVar(&c.insecureNoAuth, "insecure-no-auth", false, "serve the v3 API without authentication (demo only)")
	fs.StringVar(&c.adminToken, "admin-token", "", "bearer token of the merchant API (/v1, bookingserver.v1); the merchant API is closed to the platform when no token is set")
	fs.StringVar(&c.adminTokenFile, "admin-token-file", "", "file of merchant API bearer tokens, one a line (# comments); re-read on SIGHUP")
}

// check refuses a configuration without Google's credentials (unless a demo says so).
func (c credentialConfig) check() error {
	if c.insecureNoAuth || c.authFile != "" || (c.authUser != "" && c.authPassword != "") {
		return nil
	}
	return errors.New("--auth-user and --auth-password (or --auth-file) are required (or --insecure-no-auth for a demo)")
}

// load reads the credential files and returns the whole set. A file that cannot be
// read or parsed, or that leaves Google's API without credentials, is an error: at
// start the server does not start, on SIGHUP the set in force stays.
func (c credentialConfig) load() (server.Credentials, error) {
	creds := server.Credentials{AdminToken: c.adminToken}
	if !c.insecureNoAuth {
		creds.BasicUser, creds.BasicPassword = c.authUser, c.authPassword
	}
	if c.authFile != "" && !c.insecureNoAuth {
		pairs, err := readAuthFile(c.authFile)
		if err != nil {
			return creds, err
		}
		creds.Basic = pairs
	}
	if !c.insecureNoAuth && !creds.BasicEnabled() {
		return creds, fmt.Errorf("%s: no credentials: Google's API would be open", c.authFile)
	}
	if c.adminTokenFile != "" {
		tokens, err := readLines(c.adminTokenFile)
		if err != nil {
			return creds, err
		}
		creds.AdminTokens = tokens
	}
	return creds, nil
}

// logSet logs what a credential set holds (counts, user names; never a secret).
func logSet(msg string, c server.Credentials) {
	users := []string{}
	if c.BasicUser != "" {
		users = append(users, c.BasicUser)
	}
	for _, b := range c.Basic {
		users = append(users, b.User)
	}
	tokens := len(c.AdminTokens)
	if c.AdminToken != "" {
		tokens++
	}
	slog.Info(msg, "basic_auth_users", users, "admin_tokens", tokens)
}

// readLines returns the non-blank lines of path that are not # comments, trimmed.
func readLines(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	return out, sc.Err()
}

// readAuthFile reads user:password lines. Of htpasswd's formats only bcrypt
// (htpasswd -B) is accepted besides plain passwords: MD5-crypt, SHA-1 and crypt(3)
// are too weak to keep.
func readAuthFile(path string) ([]server.BasicCredential, error) {
	lines, err := readLines(path)
	if err != nil {
		return nil, err
	}
	out := make([]server.BasicCredential, 0, len(lines))
	for i, line := range lines {
		user, pass, ok := strings.Cut(line, ":")
		if !ok || user == "" || pass == "" {
			return nil, fmt.Errorf("%s: credential %d: want user:password", path, i+1)
		}
		if strings.HasPrefix(pass, "$apr1$") || strings.HasPrefix(pass, "{SHA}") || strings.HasPrefix(pass, "$1$") {
			return nil, fmt.Errorf("%s: credential %d (user %q): only bcrypt hashes (htpasswd -B) or plain passwords are accepted", path, i+1, user)
		}
		out = append(out, server.BasicCredential{User: user, Password: pass})
	}
	return out, nil
}

// secretFlag registers --name and --name-file: the second reads the secret from a
// file (trailing newline dropped), so that secrets need never sit on a command line
// or in the environment of every child process.
func secretFlag(fs *flag.FlagSet, dst *string, name, usage string) {
	fs.StringVar(dst, name, "", usage+" (or --"+name+"-file)")
	fs.Func(name+"-file", "file holding the value of --"+name, func(path string) error {
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		*dst = strings.TrimRight(string(data), "\r\n")
		if *dst == "" {
			return fmt.Errorf("%s is empty", path)
		}
		return nil
	})
}
