# KTAP helpers for guest tests (busybox sh), in the manner of kselftest's ktap_helpers.sh.
# A test script sources this file, calls ktap_plan N, reports N results and ends with
# ktap_finish, whose exit status is what the harness records for the whole script.
# shellcheck shell=sh

KTAP_N=0
KTAP_FAILED=0
KTAP_PLAN=0

ktap_plan() {
	KTAP_PLAN=$1
	echo "KTAP version 1"
	echo "1..$1"
}

ktap_diag() {
	echo "# $*"
}

ktap_pass() {
	KTAP_N=$((KTAP_N + 1))
	echo "ok $KTAP_N $*"
}

# ktap_fail DESCRIPTION [REASON]
ktap_fail() {
	KTAP_N=$((KTAP_N + 1))
	KTAP_FAILED=$((KTAP_FAILED + 1))
	if [ -n "${2:-}" ]; then
		echo "not ok $KTAP_N $1 # $2"
	else
		echo "not ok $KTAP_N $1"
	fi
}

# ktap_skip DESCRIPTION REASON: counted as skipped by the host, never as passed.
ktap_skip() {
	KTAP_N=$((KTAP_N + 1))
	echo "ok $KTAP_N $1 # SKIP $2"
}

# ktap_check DESCRIPTION COMMAND...: passes when the command exits 0.
ktap_check() {
	_desc=$1
	shift
	if _out=$("$@" 2>&1); then
		ktap_pass "$_desc"
	else
		_rc=$?
		ktap_fail "$_desc" "exit $_rc: $(echo "$_out" | tail -n 1)"
	fi
}

# ktap_check_fails DESCRIPTION COMMAND...: passes when the command fails.
ktap_check_fails() {
	_desc=$1
	shift
	if _out=$("$@" 2>&1); then
		ktap_fail "$_desc" "succeeded, expected a failure"
	else
		ktap_pass "$_desc"
	fi
}

# ktap_expect_eq DESCRIPTION EXPECTED ACTUAL
ktap_expect_eq() {
	if [ "$2" = "$3" ]; then
		ktap_pass "$1"
	else
		ktap_fail "$1" "expected '$2', got '$3'"
	fi
}

ktap_finish() {
	if [ "$KTAP_N" -ne "$KTAP_PLAN" ]; then
		ktap_diag "planned $KTAP_PLAN results, reported $KTAP_N"
		exit 1
	fi
	[ "$KTAP_FAILED" -eq 0 ] || exit 1
	exit 0
}
