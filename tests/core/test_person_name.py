from servicedesk.accounts.models import User, person_name


def test_western_names_given_name_first():
    assert person_name("Grace", "Hopper") == "Grace Hopper"
    assert person_name("Grace", "") == "Grace"
    assert person_name("", "") == ""


def test_cjk_names_family_name_first_without_a_space():
    assert person_name("伟", "刘") == "刘伟"
    assert person_name("刘伟", "") == "刘伟"
    assert person_name("太郎", "山田") == "山田太郎"
    assert person_name("민준", "김") == "김민준"


def test_user_display_name_uses_it():
    assert User(username="liu", first_name="伟", last_name="刘").display_name == "刘伟"
    assert User(username="gh", first_name="Grace", last_name="Hopper").get_full_name() == "Grace Hopper"
    assert User(username="nobody").display_name == "nobody"
