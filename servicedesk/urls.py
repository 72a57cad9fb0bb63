from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, reverse_lazy

from servicedesk.accounts import signin
from servicedesk.accounts import views as accounts
from servicedesk.api.app import api
from servicedesk.core import views as core
from servicedesk.portal import notices

urlpatterns = [
    path("", core.home, name="home"),
    path("brand.css", core.brand_css, name="brand_css"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True,
                                                authentication_form=signin.SignInForm), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Named templates: the admin app's registration/password_change_*.html would win over the desk's.
    path("password/", accounts.PasswordChangeView.as_view(
        template_name="servicedesk/password/change_form.html", success_url=reverse_lazy("password_change_done")),
        name="password_change"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(
        template_name="servicedesk/password/change_done.html"), name="password_change_done"),
    path("password/reset/", include("servicedesk.accounts.password_reset")),
    path("language/", accounts.set_language, name="set_language"),
    path("preferences/", accounts.preferences, name="preferences"),
    path("preferences/tokens/", accounts.create_token, name="create_token"),
    path("preferences/tokens/<int:token_id>/revoke/", accounts.revoke_token, name="revoke_token"),
    path("console/", include("servicedesk.console.urls")),
    path("portal/", include("servicedesk.portal.urls")),
    path("help/", include("servicedesk.portal.help_urls")),
    path("status/", notices.status, name="status"),
    path("notices/<id:pk>/dismiss/", notices.dismiss, name="dismiss_notice"),
    path("admin/", admin.site.urls),
    path("kb/", include("servicedesk.knowledge.urls")),
    path("api/v1/", api.urls),
    path("major/", include("servicedesk.major.urls")),
    path("report-mail/", include("servicedesk.reportmail.urls")),
    path("approvals/", include("servicedesk.approvals.urls")),
    path("survey/", include("servicedesk.surveys.urls")),
    path("sso/", include("servicedesk.sso.urls")),
    path("security/", include("servicedesk.mfa.urls")),
    path("console/people/", include("servicedesk.people.urls")),
]

# A database, cache or file storage that is unavailable answers 503 (JSON under /api/), not the 500 page.
handler500 = "servicedesk.core.views.server_error"
