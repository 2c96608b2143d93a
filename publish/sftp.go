package publish

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net"
	"net/url"
	"os"
	"path"
	"strconv"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// Dropbox is one SFTP dropbox: sftp://user@host:port/dir.
type Dropbox struct {
	User, Addr, Dir string
}

// ParseDropbox parses sftp://user@host[:port]/dir (port 22 when absent; Google's
// dropboxes listen on 19321, as the Partner Portal shows).
func ParseDropbox(raw string) (Dropbox, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return Dropbox{}, fmt.Errorf("dropbox %q: %w", raw, err)
	}
	if u.Scheme != "sftp" || u.User == nil || u.User.Username() == "" || u.Hostname() == "" {
		return Dropbox{}, fmt.Errorf("dropbox %q: want sftp://user@host:port/dir", raw)
	}
	if _, set := u.User.Password(); set {
		return Dropbox{}, fmt.Errorf("dropbox %q: no password in the URL; the key file authenticates", raw)
	}
	port := u.Port()
	if port == "" {
		port = "22"
	}
	dir := u.Path
	if dir == "" {
		dir = "/"
	}
	return Dropbox{User: u.User.Username(), Addr: net.JoinHostPort(u.Hostname(), port), Dir: dir}, nil
}

// String is the dropbox as a URL.
func (d Dropbox) String() string { return "sftp://" + d.User + "@" + d.Addr + d.Dir }

// Auth is how we prove who we are and check who the dropbox is.
type Auth struct {
	// Signer is our private key (the public half is registered in the Partner Portal).
	Signer ssh.Signer
	// HostKey checks the server's key; NewAuth builds it from a known_hosts file.
	HostKey ssh.HostKeyCallback
	// Timeout bounds the TCP connect and SSH handshake; 0 is 30 s.
	Timeout time.Duration
}

// NewAuth reads an unencrypted private key (OpenSSH or PEM) and a known_hosts file.
// The host key is always checked: an unknown or changed key fails the upload.
func NewAuth(keyFile, knownHostsFile string) (Auth, error) {
	raw, err := os.ReadFile(keyFile)
	if err != nil {
		return Auth{}, fmt.Errorf("dropbox key: %w", err)
	}
	signer, err := ssh.ParsePrivateKey(raw)
	if err != nil {
		return Auth{}, fmt.Errorf("dropbox key %s: %w", keyFile, err)
	}
	if knownHostsFile == "" {
		return Auth{}, errors.New("dropbox known_hosts: a file is required (host keys are never ignored)")
	}
	hk, err := knownhosts.New(knownHostsFile)
	if err != nil {
		return Auth{}, fmt.Errorf("dropbox known_hosts: %w", err)
	}
	return Auth{Signer: signer, HostKey: hk}, nil
}

// File is one uploaded file.
type File struct {
	Name   string `json:"name"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
	// Status is what Google's feed status API last said of the file (nil: not asked).
	Status *FeedStatus `json:"status,omitempty"`
}

// session is one SFTP connection to a dropbox.
type session struct {
	ssh  *ssh.Client
	sftp *sftp.Client
	dir  string
}

// dial connects to d.
func dial(ctx context.Context, d Dropbox, a Auth) (*session, error) {
	timeout := a.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	conn, err := (&net.Dialer{Timeout: timeout}).DialContext(ctx, "tcp", d.Addr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", d, err)
	}
	_ = conn.SetDeadline(time.Now().Add(timeout))
	c, chans, reqs, err := ssh.NewClientConn(conn, d.Addr, &ssh.ClientConfig{
		User: d.User, Auth: []ssh.AuthMethod{ssh.PublicKeys(a.Signer)}, HostKeyCallback: a.HostKey, Timeout: timeout,
	})
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("%s: ssh: %w", d, err)
	}
	_ = conn.SetDeadline(time.Time{})
	client := ssh.NewClient(c, chans, reqs)
	sc, err := sftp.NewClient(client)
	if err != nil {
		client.Close()
		return nil, fmt.Errorf("%s: sftp: %w", d, err)
	}
	return &session{ssh: client, sftp: sc, dir: d.Dir}, nil
}

func (s *session) close() {
	s.sftp.Close()
	s.ssh.Close()
}

// upload is one file being written under its temporary name.
type upload struct {
	f    *sftp.File
	name string
	h    hash.Hash
	n    int64
}

func (u *upload) Write(p []byte) (int, error) {
	n, err := u.f.Write(p)
	u.h.Write(p[:n])
	u.n += int64(n)
	return n, err
}

// create opens name's temporary file ("name.tmp" in the dropbox's directory).
func (s *session) create(name string) (*upload, error) {
	f, err := s.sftp.Create(path.Join(s.dir, name+".tmp"))
	if err != nil {
		return nil, fmt.Errorf("create %s.tmp: %w", name, err)
	}
	return &upload{f: f, name: name, h: sha256.New()}, nil
}

// finish closes u and renames it to its final name (replacing a file of that name).
func (s *session) finish(u *upload) (File, error) {
	if err := u.f.Close(); err != nil {
		return File{}, fmt.Errorf("write %s: %w", u.name, err)
	}
	tmp, final := path.Join(s.dir, u.name+".tmp"), path.Join(s.dir, u.name)
	if err := s.sftp.PosixRename(tmp, final); err != nil {
		// Servers without the posix-rename extension: plain rename (the names are
		// new each time, so there is nothing to replace).
		if err2 := s.sftp.Rename(tmp, final); err2 != nil {
			return File{}, fmt.Errorf("rename %s: %w", u.name, errors.Join(err, err2))
		}
	}
	return File{Name: u.name, Bytes: u.n, SHA256: hex.EncodeToString(u.h.Sum(nil))}, nil
}

// fileName is a shard's name: kind_generation_shard-of-total.json. Google reads any
// name; ours sort by generation and say which shard they are.
func fileName(kind string, generation int64, shard, total int) string {
	return kind + "_" + strconv.FormatInt(generation, 10) + "_" + strconv.Itoa(shard+1) + "of" + strconv.Itoa(total) + ".json"
}

// writeFeed exports one feed to a dropbox: each shard to its temporary file, renamed
// once the export is whole (so a failed export leaves no final file behind).
func writeFeed(ctx context.Context, s *session, export ExportFunc) ([]File, error) {
	var open []*upload
	defer func() {
		for _, u := range open {
			u.f.Close()
			_ = s.sftp.Remove(path.Join(s.dir, u.name+".tmp"))
		}
	}()
	if _, err := export(ctx, func(name string) (io.Writer, error) {
		u, err := s.create(name)
		if err != nil {
			return nil, err
		}
		open = append(open, u)
		return u, nil
	}); err != nil {
		return nil, err
	}
	var files []File
	for len(open) > 0 {
		f, err := s.finish(open[0])
		if err != nil {
			return files, err
		}
		open = open[1:]
		files = append(files, f)
	}
	return files, nil
}
