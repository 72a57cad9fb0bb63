"""Every user-visible string has its zh-Hans translation: the catalogue made from the code now
(makemessages on a copy of the package) has no entry without a translation and none marked fuzzy
(a guess gettext made from a similar string, which Django does not show)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "servicedesk"


@pytest.mark.skipif(shutil.which("msgattrib") is None, reason="GNU gettext is not installed")
def test_every_message_has_its_chinese_translation(tmp_path):
    copy = tmp_path / "servicedesk"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("var", "__pycache__", "*.mo"))
    # Without settings: makemessages then reads only the files under the copy.
    subprocess.run([sys.executable, "-m", "django", "makemessages", "-l", "zh_Hans", "--no-obsolete"], cwd=copy,
                   check=True, capture_output=True, env={"DJANGO_SETTINGS_MODULE": "", "PATH": "/usr/bin:/bin"})
    catalogue = copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    missing = []
    for option in ("--untranslated", "--only-fuzzy"):
        out = subprocess.run(["msgattrib", option, "--no-wrap", "--no-location", str(catalogue)],
                             check=True, capture_output=True, text=True).stdout
        missing += [line for line in out.splitlines() if line.startswith("msgid ") and line != 'msgid ""']
    assert not missing, "strings without a zh-Hans translation:\n" + "\n".join(missing)
