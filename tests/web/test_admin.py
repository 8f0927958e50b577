import pytest


@pytest.mark.django_db
def test_admin_login_page_is_sladesk(client):
    response = client.get("/admin/login/", headers={"accept-language": "en"})
    assert response.status_code == 200
    assert '<a href="/admin/">sladesk</a>' in response.content.decode()


def test_admin_sends_strangers_to_the_login_page(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["location"].startswith("/admin/login/")
