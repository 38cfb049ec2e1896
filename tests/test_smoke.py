def test_world_loads(world):
    assert world["alpha_admin"].user.role == "partner_admin"
    response = world["alpha_admin"].client().get("/")
    assert response.status_code == 200
