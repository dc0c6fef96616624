"""Vector tile routes: /tiles/<layer>/<z>/<x>/<y>.pbf and /tiles/<layer>.json."""
urlpatterns: list = []
