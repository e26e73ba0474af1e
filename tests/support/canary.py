"""The anonymity canary's visitor: a browser on the anonymous side sending canary headers."""
from __future__ import annotations

import requests

from support.servers import Gunicorn
from support.world import csrf_token


class Visitor:
    """Sends a canary address, user agent, referrer and query with every request; keeps answers."""

    def __init__(self, server: Gunicorn, canaries: dict[str, str]) -> None:
        self.server = server
        self.session = requests.Session()
        self.session.headers.update({
            "X-Forwarded-For": f"{canaries['ipv6']}, {canaries['ip']}",
            "X-Real-IP": canaries["ip"],
            "User-Agent": canaries["agent"],
            "Referer": canaries["referrer"],
        })
        self.query = {"utm_source": canaries["query"]}
        self.answers: list[requests.Response] = []

    def get(self, path: str) -> requests.Response:
        response = self.session.get(self.server.url(path), params=self.query, timeout=20,
                                    allow_redirects=False)
        self.answers.append(response)
        return response

    def post(self, path: str, data: dict, page: str | None = None) -> requests.Response:
        token = csrf_token(self.get(page or path).text)
        # as a browser does on every form it sends (the canary Referer names another site)
        response = self.session.post(self.server.url(path), params=self.query,
                                     data={**data, "csrf_token": token}, timeout=20,
                                     headers={"Origin": self.server.base_url},
                                     allow_redirects=False)
        self.answers.append(response)
        return response
