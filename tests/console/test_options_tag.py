from django.template import Context, Template


def render(source: str, **context) -> str:
    return Template("{% load desk %}" + source).render(Context(context))


def test_options_escape_and_mark_the_selected_value():
    html = render("{% options choices 2 %}", choices=[(1, "One"), (2, "<b>Two</b> & co"), (None, "x")])
    assert html == ('<option value="1">One</option>'
                    '<option value="2" selected>&lt;b&gt;Two&lt;/b&gt; &amp; co</option>'
                    '<option value="">x</option>')


def test_options_without_a_selection_and_with_string_values():
    assert render("{% options choices %}", choices=[("a", "A")]) == '<option value="a">A</option>'
    assert render("{% options choices sel %}", choices=[("a", "A"), ("b", "B")], sel="b").count("selected") == 1
    assert "selected" not in render("{% options choices sel %}", choices=[("", "none")], sel="")
