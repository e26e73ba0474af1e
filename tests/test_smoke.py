"""The portal starts, answers its health check and shows its front page."""


def test_healthz_answers_ok_and_reveals_nothing(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.data == b"ok\n"


def test_front_page_has_quick_exit_before_content(client):
    html = client.get("/").get_data(as_text=True)
    assert html.index('id="quick-exit"') < html.index('id="main"')
    assert 'lang="en"' in html
