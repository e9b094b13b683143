"""HTTP to a RunPod endpoint (or a server speaking its protocol): bearer auth, retries, backoff, cancel.

429, 5xx and network errors are retried after a pause that doubles (a server's Retry-After is honoured);
any other refusal raises TransportError at once. The API key lives only in the request headers: it is never
logged, put in a message or shown by repr(); nor is the text of the endpoint's answers (it may echo the key).
"""

from __future__ import annotations

import logging
import threading
import time
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from asr.runpod_client import Policy

log = logging.getLogger(__name__)

RETRY_STATUSES = (429, 500, 502, 503, 504)  # worth another try after a pause
CANCEL_TIMEOUT = 10  # seconds for the one try of a /cancel request


class TransportError(Exception):
    """An API call failed; `status` is the last HTTP status (None: no answer), `retryable` if it was 429/5xx/network."""

    def __init__(self, message: str, status: int | None = None, retryable: bool = False):
        super().__init__(message)
        self.status, self.retryable = status, retryable


class Stopped(Exception):
    """The transcription was stopped (generator closed or another job failed)."""


def retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header: a number of seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _refusal(status: int) -> str:
    """What a refusal means, without the endpoint's reply text (an endpoint may echo the request, key included)."""
    if status in (401, 403):
        return f"the endpoint refused the API key (HTTP {status}); check RUNPOD_API_KEY"
    if status == 404:
        return "the endpoint was not found (HTTP 404); check RUNPOD_ENDPOINT_ID and RUNPOD_ENDPOINT_BASE_URL"
    if status == 413:
        return "the request is too large for the endpoint (HTTP 413)"
    return f"the endpoint refused the request (HTTP {status})"


class Transport:
    """HTTP calls to one endpoint with bearer auth; 429, 5xx and network errors are retried with backoff."""

    def __init__(self, endpoint_url: str, api_key: str, policy: Policy):
        self.endpoint_url, self.policy = endpoint_url, policy
        self._headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}
        self._stop = threading.Event()
        self._local = threading.local()
        self._sessions: list = []
        self._lock = threading.Lock()

    def stop(self) -> None:
        self._stop.set()

    def sleep(self, seconds: float) -> None:
        if self._stop.wait(seconds):
            raise Stopped()

    def _session(self):
        import requests

        if not hasattr(self._local, "session"):
            self._local.session = requests.Session()
            with self._lock:
                self._sessions.append(self._local.session)
        return self._local.session

    def call(self, method: str, path: str, body: bytes | None = None) -> dict:
        """The JSON answer of one call, after up to policy.http_attempts tries; TransportError if none worked."""
        import requests

        p, delay, problem = self.policy, self.policy.backoff_first, ""
        for attempt in range(1, p.http_attempts + 1):
            if self._stop.is_set():
                raise Stopped()
            wait, status = delay, None
            try:
                r = self._session().request(method, f"{self.endpoint_url}/{path}", data=body, headers=self._headers,
                                            timeout=p.request_timeout)
                status = r.status_code
                if 200 <= status < 300:
                    return r.json()
                if status not in RETRY_STATUSES:
                    raise TransportError(_refusal(status), status)
                problem = f"HTTP {status}"
                hint = retry_after(r.headers.get("Retry-After"))
                wait = delay if hint is None else min(hint, p.retry_after_max)
            except (requests.RequestException, ValueError) as e:  # ValueError: a 2xx answer that is not JSON
                problem = f"{type(e).__name__}"
            if attempt < p.http_attempts:
                log.info("%s %s: %s; try %d of %d in %.1f s", method, path, problem, attempt + 1, p.http_attempts,
                         wait)
                self.sleep(wait)
                delay = min(delay * 2, p.backoff_max)
        raise TransportError(f"the endpoint did not answer after {p.http_attempts} tries (last: {problem})",
                             status, retryable=True)

    def cancel(self, job_id: str) -> None:
        """One try of POST /cancel/{id}, even after stop(); failures are only logged."""
        import requests

        try:
            r = self._session().post(f"{self.endpoint_url}/cancel/{job_id}", headers=self._headers,
                                     timeout=CANCEL_TIMEOUT)
            log.info("cancelled job %s: HTTP %d", job_id, r.status_code)
        except requests.RequestException as e:
            log.warning("could not cancel job %s: %s", job_id, type(e).__name__)

    def close(self) -> None:
        with self._lock:
            for session in self._sessions:
                session.close()
