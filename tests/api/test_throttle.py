"""Sign-in throttling (POST /api/v1/session) on a server started with --login-slow-after 3 --login-slow-ms 1000
--login-lock-after 5 --login-lock-seconds 2: after 3 failures attempts are spaced out (429 MSG_SLOW_DOWN with
Retry-After, even with the right password), after 5 the account locks (429 MSG_ACCOUNT_LOCKED), and once the wait
the server announced has passed the right password works again and resets the counter. (The spacing is 1 s rather
than less so that a slow Argon2 under ASan, or a PostgreSQL store, cannot outlast it between two attempts.)"""
import time
import unittest

from harness import ApiTestCase, Client

SLOW_AFTER, SLOW_MS, LOCK_AFTER, LOCK_S = 3, 1000, 5, 2


class ThrottleTests(ApiTestCase):
    SERVER_ARGS = ("--login-slow-after", str(SLOW_AFTER), "--login-slow-ms", str(SLOW_MS),
                   "--login-lock-after", str(LOCK_AFTER), "--login-lock-seconds", str(LOCK_S))

    def attempt(self, username, password):
        return Client(self.server).req("POST", "/api/v1/session", json={"username": username, "password": password})

    def fail_once(self, username):
        self.assert_problem(self.attempt(username, "wrong-password"), 401, "MSG_BAD_CREDENTIALS")

    def retry_after(self, r):
        v = r.headers.get("Retry-After")
        self.assertIsNotNone(v, "429 without Retry-After: %r" % (r,))
        self.assertRegex(v, r"^[0-9]+$")
        self.assertGreaterEqual(int(v), 1)
        return int(v)

    def test_slow_down_after_failures_even_with_right_password(self):
        user = "thuanan.specialist"
        for _ in range(SLOW_AFTER):
            self.fail_once(user)
        before = self.counts()
        r = self.attempt(user, "demo")
        self.assert_problem(r, 429, "MSG_SLOW_DOWN")
        self.assertIsNone(r.headers.get("Set-Cookie"))
        self.assertLessEqual(self.retry_after(r), SLOW_MS // 1000)
        self.assert_unchanged(before)
        # A refused (too early) attempt is not a failure: after the spacing the right password works...
        time.sleep(SLOW_MS / 1000 + 0.1)
        self.assert_status(self.attempt(user, "demo"), 200)
        # ...and the counter was reset: one new failure does not slow the next attempt down.
        self.fail_once(user)
        self.assert_status(self.attempt(user, "demo"), 200)

    def test_unknown_users_are_never_throttled_differently(self):
        # Throttling state exists only for real accounts; an unknown name always answers 401 (no enumeration by
        # comparing 401 and 429).
        for _ in range(SLOW_AFTER + 2):
            self.assert_problem(self.attempt("no.such.user", "x1234"), 401, "MSG_BAD_CREDENTIALS")

    def test_lock_after_failures_then_unlock_after_retry_after(self):
        user = "ialy.specialist"
        delay = SLOW_MS / 1000
        for i in range(1, LOCK_AFTER + 1):
            self.fail_once(user)
            if SLOW_AFTER <= i < LOCK_AFTER:
                time.sleep(delay + 0.1)        # wait out the spacing so the next attempt counts
                delay *= 2
        before = self.counts()
        r = self.attempt(user, "demo")
        self.assert_problem(r, 429, "MSG_ACCOUNT_LOCKED")
        wait = self.retry_after(r)
        self.assertLessEqual(wait, LOCK_S)
        self.assert_unchanged(before)
        # A client that honours Retry-After must then be let in with the right password.
        time.sleep(wait + 0.2)
        r = self.attempt(user, "demo")
        self.assert_status(r, 200)
        # The counter is reset: a new failure is an ordinary 401 and the right password works at once.
        self.fail_once(user)
        self.assert_status(self.attempt(user, "demo"), 200)

    def test_locked_account_refuses_right_password_and_spares_others(self):
        user = "locbinh.specialist"
        delay = SLOW_MS / 1000
        for i in range(1, LOCK_AFTER + 1):
            self.fail_once(user)
            if SLOW_AFTER <= i < LOCK_AFTER:
                time.sleep(delay + 0.1)
                delay *= 2
        for _ in range(3):
            self.assert_problem(self.attempt(user, "demo"), 429, "MSG_ACCOUNT_LOCKED")
        # Another account is not affected.
        self.assert_status(self.attempt("locbinh.clerk", "demo"), 200)


if __name__ == "__main__":
    unittest.main()
