"""Wrong logins from many clients at once, without pause, in a process of its own (so the load
does not slow whoever measures): python login_flood.py BASE_URL CLIENTS SECONDS; prints the
count of each answer status as JSON."""
from __future__ import annotations

import json
import re
import sys
import threading
import time

import requests

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def main(base_url: str, clients: int, seconds: float) -> None:
    stop = time.monotonic() + seconds
    answers: dict[int, int] = {}
    lock = threading.Lock()

    def wrong_logins() -> None:
        session = requests.Session()
        token = TOKEN.search(session.get(base_url + "/login", timeout=60).text).group(1)
        while time.monotonic() < stop:
            try:
                status = session.post(base_url + "/login", timeout=60, headers={"Origin": base_url},
                                      data={"username": "nobody", "password": "wrong-password-x",
                                            "csrf_token": token}).status_code
            except requests.RequestException:
                status = 0
            with lock:
                answers[status] = answers.get(status, 0) + 1

    threads = [threading.Thread(target=wrong_logins) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps(answers))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]))
