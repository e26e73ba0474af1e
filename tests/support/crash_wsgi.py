"""The shipped application plus one route that always fails, to see what a 500 reveals."""
from portal import create_app
from portal.security import public

app = create_app()


@public
def forced_failure():
    """Fail the way an unexpected bug would."""
    raise RuntimeError("forced failure for the error-page test")


app.add_url_rule("/test-forced-failure", "forced_failure", forced_failure, methods=["GET", "POST"])
