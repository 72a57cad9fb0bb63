"""`_()` on the Jinja2 pages (core.jinja.translations): Django's gettext for the page's language, the
catalogue found once per page and each string's translation remembered."""

from django.test import RequestFactory
from django.utils import translation
from django.utils.functional import lazy
from django.utils.safestring import mark_safe

from servicedesk.core.jinja import translations


def test_the_same_text_as_djangos_gettext_in_each_language():
    request = RequestFactory().get("/")
    for language in ("zh-hans", "en"):
        with translation.override(language):
            _ = translations(request)["_"]
            for text in ("Requester", "Reply sent.", "No such words in the catalogue", "Requester"):
                assert _(text) == translation.gettext(text)
            assert _("") == ""  # not the catalogue's header, as Django's gettext
            assert _("Requester\r\n") == translation.gettext("Requester\r\n")
            lazy_text = lazy(lambda: "Requester", str)()
            assert _(lazy_text) == translation.gettext(lazy_text)
            safe = _(mark_safe("Requester"))
            assert safe == translation.gettext("Requester") and hasattr(safe, "__html__")
    with translation.override("zh-hans"):
        assert translations(request)["_"]("Requester") == "请求人"
    with translation.override("en"):
        assert translations(request)["_"]("Requester") == "Requester"


def test_no_language_leaves_djangos_gettext():
    with translation.override(None):
        assert translations(RequestFactory().get("/")) == {}
