#!/usr/bin/env bash
# Runs `bookingserver conformance` against the server built from this tree, serving the
# example feeds on loopback with a throw-away data file, then, when
# BOOKINGSERVER_TEST_DATABASE_URL names a database (CI), on PostgreSQL (a schema of its own).
# Fails loudly on any failed check; always stops the server.
set -euo pipefail
cd "$(dirname "$0")/.."

tmp="$(mktemp -d)"
server_pid=""
schema=""
cleanup() {
	if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
		kill "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	if [[ -n "$schema" ]]; then
		psql -q "$db" -c "SET client_min_messages = warning; DROP SCHEMA $schema CASCADE" || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

go build -o "$tmp/bookingserver" ./cmd/bookingserver

# The example feeds, their slots moved forward by whole weeks to start this week, as
# `make run` serves them: bookable whatever today's date is.
feeds="$tmp/feeds"
"$tmp/bookingserver" feeds roll-forward --out "$feeds" examples/feeds/*.json

# check STORE FLAGS…: serve the feeds on the store the flags select, run both
# conformance targets against it, check /metrics, stop the server.
check() {
	store="$1"
	shift
	http_port=$((20000 + RANDOM % 20000))
	grpc_port=$((http_port + 1))
	user=conformance
	password="ci-$RANDOM$RANDOM"

	"$tmp/bookingserver" serve "$@" --feeds "$feeds" \
		--http-addr "127.0.0.1:$http_port" --grpc-addr "127.0.0.1:$grpc_port" \
		--auth-user "$user" --auth-password "$password" >"$tmp/server.log" 2>&1 &
	server_pid=$!

	for _ in $(seq 1 120); do
		if curl -fsS "http://127.0.0.1:$http_port/healthz" >/dev/null 2>&1; then
			break
		fi
		if ! kill -0 "$server_pid" 2>/dev/null; then
			echo "conformance: the server exited before it was healthy; its log:" >&2
			cat "$tmp/server.log" >&2
			exit 1
		fi
		sleep 0.5
	done
	if ! curl -fsS "http://127.0.0.1:$http_port/healthz" >/dev/null 2>&1; then
		echo "conformance: the server was not healthy after 60 s; its log:" >&2
		cat "$tmp/server.log" >&2
		exit 1
	fi

	status=0
	for target in "--target http://127.0.0.1:$http_port" "--grpc-target 127.0.0.1:$grpc_port"; do
		# shellcheck disable=SC2086 # target is two words on purpose
		"$tmp/bookingserver" conformance $target --auth-user "$user" --auth-password "$password" \
			--availability "$feeds/availability.json" --merchants "$feeds/merchants.json" --services "$feeds/services.json" || status=1
	done
	if [[ $status -ne 0 ]]; then
		echo "conformance: FAILED; the server's log:" >&2
		tail -n 100 "$tmp/server.log" >&2
		exit 1
	fi
	# The metrics families must be there after the run.
	# (Read the whole page first: grep -q stops early, and under pipefail curl's broken pipe
	# would fail the check.)
	metrics=$(curl -fsS "http://127.0.0.1:$http_port/metrics")
	grep -q '^bookingserver_booking_outcomes_total{method="CreateBooking",outcome="success"}' <<<"$metrics" ||
		{ echo "conformance: /metrics lacks the booking outcomes after the run" >&2; exit 1; }
	echo "conformance: PASS (REST and gRPC, $store)"
	kill "$server_pid"
	wait "$server_pid" || true
	server_pid=""
}

check bbolt --data "$tmp/ci.db"
if [[ -z "${BOOKINGSERVER_TEST_DATABASE_URL:-}" && "${BOOKINGSERVER_TEST_REQUIRE_POSTGRES:-}" == 1 ]]; then
	echo "conformance: BOOKINGSERVER_TEST_REQUIRE_POSTGRES=1 but BOOKINGSERVER_TEST_DATABASE_URL is not set: the PostgreSQL run must run" >&2
	exit 1
fi
if [[ -n "${BOOKINGSERVER_TEST_DATABASE_URL:-}" ]]; then
	# A schema of its own, dropped at the end (cleanup), as the Go tests do.
	db="$BOOKINGSERVER_TEST_DATABASE_URL"
	schema="conformance_$$"
	psql -q "$db" -c "CREATE SCHEMA $schema"
	sep='?'
	[[ "$db" == *\?* ]] && sep='&'
	check postgres --database-url "$db${sep}search_path=$schema"
fi
