package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
)

// serverFile is what serve records next to its bbolt data file (DATA.server) while it
// holds it: where its merchant API listens, so that `bookingserver notify` on a data
// file a server holds goes through that server instead of asking for --server. The
// lock on the data file says a server holds it; this file says where it is.
type serverFile struct {
	// URL is the HTTP listener's base URL, reachable from this host (an unspecified
	// listen address is recorded as loopback).
	URL string `json:"url"`
	// TLSCert is the certificate the listener serves (--tls-cert), trusted by the
	// client that reads this file; empty for plaintext.
	TLSCert string `json:"tls_cert,omitempty"`
	// PID is the serving process, for the operator.
	PID int `json:"pid"`
}

// serverFilePath is the record of the server holding data.
func serverFilePath(data string) string { return data + ".server" }

// recordServer writes the server file of data atomically (a reader sees the old file
// or the whole new one) and returns the function that removes it.
func recordServer(data, httpAddr, tlsCert string) (func(), error) {
	host, port, err := net.SplitHostPort(httpAddr)
	if err != nil {
		return nil, err
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	f := serverFile{URL: "http://" + net.JoinHostPort(host, port), PID: os.Getpid()}
	if tlsCert != "" {
		f.URL = "https://" + net.JoinHostPort(host, port)
		if f.TLSCert, err = filepath.Abs(tlsCert); err != nil {
			return nil, err
		}
	}
	raw, err := json.Marshal(f)
	if err != nil {
		return nil, err
	}
	path := serverFilePath(data)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(raw, '\n'), 0o600); err != nil {
		return nil, fmt.Errorf("record the server's address: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return nil, fmt.Errorf("record the server's address: %w", err)
	}
	return func() { _ = os.Remove(path) }, nil
}

// readServerFile reads the record of the server holding data.
func readServerFile(data string) (serverFile, error) {
	var f serverFile
	raw, err := os.ReadFile(serverFilePath(data))
	if err != nil {
		return f, err
	}
	if err := json.Unmarshal(raw, &f); err != nil || f.URL == "" {
		return f, fmt.Errorf("%s: not a server record", serverFilePath(data))
	}
	return f, nil
}

// client is an HTTP client for f's server, trusting its certificate.
func (f serverFile) client() (*http.Client, error) {
	if f.TLSCert == "" {
		return http.DefaultClient, nil
	}
	pem, err := os.ReadFile(f.TLSCert)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, errors.New(f.TLSCert + ": no certificate")
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}, nil
}
