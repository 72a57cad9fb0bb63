"""What the desk's own forms share."""

from django.utils.translation import gettext


class DeskFormMixin:
    """Says a too-long entry in the desk's words, naming the field, instead of Django's stock sentence
    ("确保该变量包含不超过 255 字符", which calls the reader's text a variable).

    Put it before ``forms.Form``/``forms.ModelForm`` in a form's bases.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if getattr(field, "max_length", None):
                field.error_messages["max_length"] = too_long_message(field.label)


def too_long_message(label) -> str:
    """A max_length message; Django fills in %(limit_value)s and %(show_value)s when it raises it."""
    if not label:
        return gettext("This can be at most %(limit_value)d characters (it has %(show_value)d).")
    # The label is text, not a format: its own % signs must survive Django's %-formatting.
    return gettext("“%(label)s” can be at most %(limit_value)d characters (it has %(show_value)d).").replace(
        "%(label)s", str(label).replace("%", "%%")
    )
