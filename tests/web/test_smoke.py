from tests.factories import make_candidate, make_user


def test_staff_sees_board_and_candidate(client, data, login):
    with data():
        staff = make_user("staff")
        candidate = make_candidate(name="Johanna van Wyk")
        staff_email, candidate_id = staff.email, candidate.id
    login(client, staff_email)
    board = client.get("/desk/")
    assert board.status_code == 200
    assert "Johanna van Wyk" in board.get_data(as_text=True)
    page = client.get(f"/desk/candidates/{candidate_id}")
    assert page.status_code == 200
    assert 'aria-current="step"' in page.get_data(as_text=True)
