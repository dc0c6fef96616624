"""django-axes in front of the model backend: refuses an account locked after repeated failures.

Axes needs the request to count; an authenticate() call without one (Django's test client
`login()`, a script) is not an HTTP login attempt and is passed on to the next backend unseen.
"""
from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
