"""`servicedesk check`: a directory mapping the desk cannot read is named at start, not at the first sign-in."""

from django.core.checks import Error, register

from . import config


@register()
def directory_settings(app_configs, **kwargs):
    try:
        config.load()
    except ValueError as exc:
        return [Error(str(exc), hint="See docs/identity.md, Directory (LDAP / Active Directory).",
                      id="directory.E001")]
    return []
